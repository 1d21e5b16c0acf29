// Data sets: the bundled digits CSV, CSV files written here (label column anywhere, malformed rows, shapes that
// do not fit, streaming from disk), an image folder drawn with QImage, and tensor files from torch::pickle_save
// and from Python's own torch.save (tests/fixtures/make_datasets.py).

#include "profiler/ProfileError.h"
#include "profiler/data/Dataset.h"
#include "support/TestSupport.h"

#include <torch/serialize.h>
#include <torch/torch.h>

#include <QImage>
#include <QPainter>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;

namespace {

// torch::tensor refuses an initializer list that mixes literal types (1.0f, 2): build from typed vectors.
at::Tensor floats(const std::vector<float>& values) { return torch::tensor(values); }
at::Tensor longs(const std::vector<int64_t>& values) { return torch::tensor(values); }

QString writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(bytes);
    return path;
}

// The message of the ProfileError that opening `spec` throws, or "" when it opens; fails the test when the error
// is not ExitBadInput.
QString openError(const QString& spec, const DatasetOptions& options = {})
{
    try {
        Dataset::open(spec, options);
    } catch (const ProfileError& error) {
        if (error.code() != ExitBadInput)
            qWarning() << "unexpected exit code" << error.code();
        return error.code() == ExitBadInput ? error.message() : QStringLiteral("wrong code");
    }
    return {};
}

// Every batch of `data`, joined, so that two readings can be compared whole.
DataBatch readAll(Dataset& data, int64_t batchSize)
{
    std::vector<at::Tensor> inputs, labels;
    for (qint64 first = 0; first < data.size(); first += batchSize) {
        DataBatch batch = data.batch(first, batchSize);
        inputs.push_back(batch.inputs);
        if (batch.labels.defined())
            labels.push_back(batch.labels);
    }
    DataBatch all;
    all.inputs = torch::cat(inputs);
    if (!labels.empty())
        all.labels = torch::cat(labels);
    return all;
}

std::vector<int64_t> sizes(const at::Tensor& tensor) { return tensor.sizes().vec(); }

// A CSV of `rows` samples of `features` values and a label, with CRLF line ends and blank lines sprinkled in so
// that row offsets and line numbers are tested too.
QByteArray numericCsv(int rows, int features)
{
    QByteArray text;
    for (int column = 0; column < features; ++column)
        text += "f" + QByteArray::number(column) + ",";
    text += "label\r\n";
    for (int row = 0; row < rows; ++row) {
        for (int column = 0; column < features; ++column)
            text += QByteArray::number(((row * 31 + column * 7) % 100) / 4.0) + ",";
        text += QByteArray::number(row % 7) + "\r\n";
        if (row % 50 == 10)
            text += "\r\n";
    }
    return text;
}

void drawImage(const QString& path, QColor left, QColor right, const char* format = nullptr)
{
    // 10 wide, 12 high: unequal sides catch a swapped height and width.
    QImage image(10, 12, QImage::Format_RGB32);
    image.fill(left);
    QPainter painter(&image);
    painter.fillRect(5, 0, 5, 12, right);
    painter.end();
    if (!image.save(path, format))
        qFatal("cannot write %s", qPrintable(path));
}

} // namespace

class TestDataset : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void demoDigits()
    {
        auto data = Dataset::open(QStringLiteral("demo-digits"));
        QCOMPARE(data->name(), QStringLiteral("digits.csv"));
        QCOMPARE(data->size(), 1797);
        QVERIFY(data->labelled());
        QCOMPARE(data->classCount(), 10);
        QCOMPARE(data->sampleShape(), std::vector<int64_t> { 64 });
        QVERIFY(!data->streamed());
        QCOMPARE(data->residentBytes(), 1797 * 64 * 4 + 1797 * 8);
        QCOMPARE(data->description(),
            QStringLiteral("digits.csv: 1797 labelled samples, 64 features, 10 classes, in memory"));

        const DataBatch all = data->batch(0, 5000); // clipped to the data set
        QCOMPARE(sizes(all.inputs), (std::vector<int64_t> { 1797, 64 }));
        QCOMPARE(all.inputs.scalar_type(), at::kFloat);
        QCOMPARE(all.labels.scalar_type(), at::kLong);
        QCOMPARE(all.labels.min().item<int64_t>(), 0);
        QCOMPARE(all.labels.max().item<int64_t>(), 9);
        QCOMPARE(all.inputs.min().item<float>(), 0.0f);
        QCOMPARE(all.inputs.max().item<float>(), 16.0f);

        // The last row, read from the file here: features in column order, the label last.
        QFile file(test::sourcePath(QStringLiteral("resources/demo/digits.csv")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1798);
        const QList<QByteArray> fields = lines.last().trimmed().split(',');
        for (int column = 0; column < 64; ++column)
            QCOMPARE(all.inputs[1796][column].item<float>(), fields[column].toFloat());
        QCOMPARE(all.labels[1796].item<int64_t>(), fields[64].toLongLong());

        DatasetOptions image;
        image.sampleShape = { 1, 8, 8 };
        auto shaped = Dataset::open(QStringLiteral("demo-digits"), image);
        QCOMPARE(shaped->sampleShape(), (std::vector<int64_t> { 1, 8, 8 }));
        QVERIFY(shaped->description().contains(QLatin1String("64 features as [1, 8, 8]")));
        const DataBatch some = shaped->batch(100, 5);
        QCOMPARE(sizes(some.inputs), (std::vector<int64_t> { 5, 1, 8, 8 }));
        QVERIFY(torch::equal(some.inputs.reshape({ 5, 64 }), all.inputs.narrow(0, 100, 5)));
        QVERIFY(torch::equal(some.labels, all.labels.narrow(0, 100, 5)));

        // A batch is the caller's own: changing it leaves the data set as it was.
        some.inputs.fill_(-1);
        QVERIFY(torch::equal(shaped->batch(100, 5).inputs.reshape({ 5, 64 }), all.inputs.narrow(0, 100, 5)));
    }

    void heldOutSplit()
    {
        std::shared_ptr<Dataset> data = Dataset::open(QStringLiteral("demo-digits"));
        const DataBatch all = data->batch(0, data->size());
        DatasetSplit split = splitHeldOut(data, 0.2);
        QCOMPARE(split.train->size(), 1437); // the README's split
        QCOMPARE(split.heldOut->size(), 360);
        QCOMPARE(split.heldOut->name(), QStringLiteral("digits.csv (rows 1438-1797)"));
        QCOMPARE(split.heldOut->classCount(), 10);
        QCOMPARE(split.heldOut->description(),
            QStringLiteral("digits.csv (rows 1438-1797): 360 labelled samples, 64 features, 10 classes, in memory"));
        const DataBatch last = split.heldOut->batch(350, 100); // clipped to the subset, not to the base
        QCOMPARE(last.size(), 10);
        QVERIFY(torch::equal(last.inputs, all.inputs.narrow(0, 1787, 10)));
        QVERIFY(torch::equal(last.labels, all.labels.narrow(0, 1787, 10)));
        QVERIFY(torch::equal(split.train->batch(0, 3).inputs, all.inputs.narrow(0, 0, 3)));
        QCOMPARE(split.train->batch(1437, 10).size(), 0);
        // Shared, not copied.
        QCOMPARE(split.heldOut->residentBytes(), data->residentBytes());

        auto middle = subset(data, 10, 5);
        QVERIFY(torch::equal(middle->batch(0, 100).labels, all.labels.narrow(0, 10, 5)));

        bool refused = false;
        try {
            splitHeldOut(data, 1.5);
        } catch (const ProfileError& error) {
            refused = error.code() == ExitBadInput && error.message().contains(QLatin1String("between 0 and 1"));
        }
        QVERIFY(refused);
    }

    void csvLabelColumnInTheMiddle()
    {
        writeFile(path(QStringLiteral("middle.csv")),
            "\xEF\xBB\xBF"
            "a, \"b\" ,Label,c\n1,2,3,4\n\n-5.5, +6 ,0,8e-1\n");
        auto data = Dataset::open(path(QStringLiteral("middle.csv")));
        QCOMPARE(data->size(), 2);
        QVERIFY(data->labelled());
        QCOMPARE(data->classCount(), 4);
        const DataBatch batch = data->batch(0, 2);
        QVERIFY(torch::equal(batch.inputs, floats({ 1.0f, 2.0f, 4.0f, -5.5f, 6.0f, 0.8f }).reshape({ 2, 3 })));
        QVERIFY(torch::equal(batch.labels, longs({ 3, 0 })));
        QCOMPARE(
            data->description(), QStringLiteral("middle.csv: 2 labelled samples, 3 features, 4 classes, in memory"));

        // "target" when there is no "label"; semicolons as separators.
        writeFile(path(QStringLiteral("target.csv")), "target;x;y\n1;0.5;0.25\n");
        auto target = Dataset::open(path(QStringLiteral("target.csv")));
        QVERIFY(torch::equal(target->batch(0, 1).inputs, floats({ 0.5f, 0.25f }).reshape({ 1, 2 })));
        QCOMPARE(target->batch(0, 1).labels.item<int64_t>(), 1);
    }

    void csvWithoutLabelColumn()
    {
        writeFile(path(QStringLiteral("plain.csv")), "x0,x1,x2\n1,2,3\n4,5,6\n");
        // Unnamed: the last column is the label...
        auto lastIsLabel = Dataset::open(path(QStringLiteral("plain.csv")));
        QVERIFY(lastIsLabel->labelled());
        QCOMPARE(lastIsLabel->sampleShape(), std::vector<int64_t> { 2 });
        QCOMPARE(lastIsLabel->classCount(), 7);
        // ...unless the model takes exactly as many values as there are columns: then all are features.
        DatasetOptions three;
        three.sampleShape = { 3 };
        auto unlabelled = Dataset::open(path(QStringLiteral("plain.csv")), three);
        QVERIFY(!unlabelled->labelled());
        QCOMPARE(unlabelled->classCount(), 0);
        const DataBatch batch = unlabelled->batch(0, 10);
        QVERIFY(!batch.labels.defined());
        QVERIFY(torch::equal(batch.inputs, floats({ 1.0f, 2, 3, 4, 5, 6 }).reshape({ 2, 3 })));
        QCOMPARE(unlabelled->description(), QStringLiteral("plain.csv: 2 unlabelled samples, 3 features, in memory"));
    }

    void malformedCsv_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("fields") << QByteArray("a,b,label\n1,2,0\n1,2\n")
                                << QStringLiteral("line 3: 2 fields but the header has 3 columns");
        QTest::newRow("too many") << QByteArray("a,b,label\n1,2,0\n1,2,0,4\n") << QStringLiteral("line 3: 4 fields");
        QTest::newRow("text") << QByteArray("a,b,label\n1,2,0\n\n1,abc,1\n")
                              << QStringLiteral("line 4, column b: 'abc' is not a finite number");
        QTest::newRow("empty field") << QByteArray("a,b,label\n1,,0\n")
                                     << QStringLiteral("line 2, column b: '' is not");
        QTest::newRow("nan") << QByteArray("a,b,label\n1,nan,0\n")
                             << QStringLiteral("line 2, column b: 'nan' is not a finite number");
        QTest::newRow("fractional label") << QByteArray(
            "a,b,label\n1,2,2.5\n") << QStringLiteral("line 2: the label '2.5' in column label is not a class index");
        QTest::newRow("negative label") << QByteArray("a,b,label\n1,2,-1\n")
                                        << QStringLiteral("line 2: the label '-1'");
        QTest::newRow("no header") << QByteArray("1,2,3\n4,5,6\n") << QStringLiteral("has no header line");
        QTest::newRow("no rows") << QByteArray("a,b,label\n\n") << QStringLiteral("has a header but no rows");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("has no header on line 1");
        QTest::newRow("label only") << QByteArray("label\n1\n") << QStringLiteral("has no feature columns");
    }

    void malformedCsv()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        const QString file = writeFile(path(QStringLiteral("bad.csv")), text);
        const QString message = openError(file);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.startsWith(QLatin1String("data set bad.csv")), qPrintable(message));
    }

    void samplesThatDoNotFitTheModel()
    {
        writeFile(path(QStringLiteral("five.csv")), "a,b,c,d,e,label\n1,2,3,4,5,0\n");
        DatasetOptions options;
        options.sampleShape = { 64 };
        QCOMPARE(openError(path(QStringLiteral("five.csv")), options),
            QStringLiteral("data set five.csv has samples of 5 values but the model's input takes shape [64] (64 "
                           "values); use a data set made for this model, or check the --input shape"));
        options.sampleShape = { 1, 8, 8 };
        QVERIFY(openError(QStringLiteral("demo-digits"), options).isEmpty());
        options.sampleShape = { 3, 8, 8 };
        QVERIFY(openError(QStringLiteral("demo-digits"), options)
                    .contains(QLatin1String(
                        "samples of 64 values but the model's input takes shape [3, 8, 8] (192 values)")));
    }

    void missingDataSet()
    {
        const QString message = openError(path(QStringLiteral("nowhere.csv")));
        QVERIFY2(message.contains(QLatin1String("does not exist")), qPrintable(message));
    }

    void streamedCsv()
    {
        const QString file = writeFile(path(QStringLiteral("big.csv")), numericCsv(300, 20));
        auto inMemory = Dataset::open(file);
        QVERIFY(!inMemory->streamed());
        QCOMPARE(inMemory->residentBytes(), 300 * 20 * 4 + 300 * 8);

        DatasetOptions tiny;
        tiny.inMemoryLimitBytes = 1024;
        auto streamed = Dataset::open(file, tiny);
        QVERIFY(streamed->streamed());
        QCOMPARE(streamed->size(), 300);
        QCOMPARE(streamed->classCount(), 7);
        // Labels and one offset per row stay; the 24,000 bytes of samples do not.
        QVERIFY2(streamed->residentBytes() <= 300 * 8 * 2 + 8, qPrintable(QString::number(streamed->residentBytes())));
        QVERIFY(streamed->description().endsWith(QLatin1String("streamed from disk")));

        const DataBatch expected = readAll(*inMemory, 300);
        QCOMPARE(sizes(expected.inputs), (std::vector<int64_t> { 300, 20 }));
        QCOMPARE(expected.inputs[299][19].item<float>(), float(((299 * 31 + 19 * 7) % 100) / 4.0));
        for (int64_t batchSize : { 1, 7, 64, 300 }) {
            const DataBatch got = readAll(*streamed, batchSize);
            QVERIFY(torch::equal(got.inputs, expected.inputs));
            QVERIFY(torch::equal(got.labels, expected.labels));
        }
        QVERIFY(torch::equal(streamed->batch(295, 10).inputs, expected.inputs.narrow(0, 295, 5)));

        // With a sample shape, streamed batches are reshaped as in-memory ones are.
        tiny.sampleShape = { 4, 5 };
        auto shaped = Dataset::open(file, tiny);
        QVERIFY(shaped->streamed());
        QVERIFY(torch::equal(shaped->batch(3, 2).inputs, expected.inputs.narrow(0, 3, 2).reshape({ 2, 4, 5 })));

        // A file rewritten while streamed is noticed instead of read as garbage.
        writeFile(file, numericCsv(200, 20));
        bool refused = false;
        try {
            streamed->batch(0, 10);
        } catch (const ProfileError& error) {
            refused = error.message().contains(QLatin1String("changed on disk"));
        }
        QVERIFY(refused);
    }

    void imageFolder()
    {
        const QString root = path(QStringLiteral("images"));
        // Made in the order cat, bird: class indices must follow the sorted names, bird 0 and cat 1.
        QVERIFY(QDir().mkpath(root + QStringLiteral("/cat/nested")));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/bird")));
        drawImage(root + QStringLiteral("/cat/c1.png"), Qt::black, Qt::white);
        drawImage(root + QStringLiteral("/cat/nested/c2.bmp"), Qt::black, Qt::white);
        drawImage(root + QStringLiteral("/bird/b1.png"), Qt::red, Qt::red);
        drawImage(root + QStringLiteral("/bird/b2.jpg"), Qt::red, Qt::red, "JPEG");
        drawImage(root + QStringLiteral("/bird/b3.png"), QColor(0, 255, 0), QColor(0, 255, 0));
        writeFile(root + QStringLiteral("/bird/notes.txt"), "not an image");

        DatasetOptions options;
        options.sampleShape = { 3, 8, 8 };
        options.normalizeImages = false;
        auto data = Dataset::open(root, options);
        QCOMPARE(data->name(), QStringLiteral("images"));
        QCOMPARE(data->size(), 5);
        QCOMPARE(data->classNames(), (QStringList { QStringLiteral("bird"), QStringLiteral("cat") }));
        QCOMPARE(data->classCount(), 2);
        QVERIFY(data->streamed());
        QCOMPARE(data->residentBytes(), 0);
        QCOMPARE(data->description(),
            QStringLiteral("images: 5 labelled samples, RGB images at 8x8, 2 classes, streamed from disk"));

        const DataBatch batch = data->batch(0, 10);
        QCOMPARE(sizes(batch.inputs), (std::vector<int64_t> { 5, 3, 8, 8 }));
        QVERIFY(torch::equal(batch.labels, longs({ 0, 0, 0, 1, 1 })));
        // b1.png is red: channel 0 all ones, the others zero (resizing a solid image keeps it solid).
        QCOMPARE(batch.inputs[0][0].min().item<float>(), 1.0f);
        QCOMPARE(batch.inputs[0].narrow(0, 1, 2).abs().max().item<float>(), 0.0f);
        // b2.jpg: the same, give or take JPEG's losses.
        QVERIFY(batch.inputs[1][0].min().item<float>() > 0.9f);
        QVERIFY(batch.inputs[1].narrow(0, 1, 2).max().item<float>() < 0.1f);
        // b3.png is green.
        QCOMPARE(batch.inputs[2][1].min().item<float>(), 1.0f);
        // c1.png: black left half, white right half, resized from 10 wide to 8: the edge moves but stays vertical.
        const at::Tensor cat = batch.inputs[3][0];
        QVERIFY(torch::equal(cat.select(1, 0), torch::zeros({ 8 })));
        QVERIFY(torch::equal(cat.select(1, 7), torch::ones({ 8 })));
        QVERIFY(torch::equal(cat.select(0, 0), cat.select(0, 7))); // every row alike: height and width not swapped
        QVERIFY(torch::equal(batch.inputs[4], batch.inputs[3])); // the same picture as a BMP in a sub-folder

        // A target that is not square: 6 high, 4 wide, the edge still vertical.
        DatasetOptions tall;
        tall.sampleShape = { 3, 6, 4 };
        tall.normalizeImages = false;
        const at::Tensor tallCat = Dataset::open(root, tall)->batch(3, 1).inputs;
        QCOMPARE(sizes(tallCat), (std::vector<int64_t> { 1, 3, 6, 4 }));
        QVERIFY(torch::equal(tallCat[0][0].select(1, 0), torch::zeros({ 6 })));
        QVERIFY(torch::equal(tallCat[0][0].select(1, 3), torch::ones({ 6 })));

        // Later batches read the right files.
        QVERIFY(torch::equal(data->batch(3, 2).inputs, batch.inputs.narrow(0, 3, 2)));
        QVERIFY(torch::equal(data->batch(3, 2).labels, batch.labels.narrow(0, 3, 2)));

        // Normalized as torchvision's ImageNet models expect.
        options.normalizeImages = true;
        auto normalized = Dataset::open(root, options);
        const at::Tensor red = normalized->batch(0, 1).inputs[0];
        QVERIFY(qAbs(red[0][0][0].item<float>() - (1 - 0.485f) / 0.229f) < 1e-5);
        QVERIFY(qAbs(red[1][0][0].item<float>() - (0 - 0.456f) / 0.224f) < 1e-5);
        QVERIFY(qAbs(red[2][0][0].item<float>() - (0 - 0.406f) / 0.225f) < 1e-5);

        // One channel: grayscale with PIL's weights (red -> 76 of 255).
        options.normalizeImages = false;
        options.sampleShape = { 1, 8, 8 };
        auto gray = Dataset::open(root, options);
        QVERIFY(gray->description().contains(QLatin1String("grayscale images at 8x8")));
        const at::Tensor grayRed = gray->batch(0, 1).inputs;
        QCOMPARE(sizes(grayRed), (std::vector<int64_t> { 1, 1, 8, 8 }));
        QCOMPARE(grayRed.max().item<float>(), 76.0f / 255.0f);
        QCOMPARE(grayRed.min().item<float>(), 76.0f / 255.0f);

        // Without a model shape: as stored, [3, height 12, width 10].
        auto asStored = Dataset::open(root);
        QCOMPARE(asStored->sampleShape(), (std::vector<int64_t> { 3, 12, 10 }));
        QCOMPARE(sizes(asStored->batch(0, 2).inputs), (std::vector<int64_t> { 2, 3, 12, 10 }));

        // A flat input of one value per pixel reads grayscale; other flat shapes must fit 3 channels.
        DatasetOptions flat;
        flat.sampleShape = { 64 };
        flat.imageHeight = flat.imageWidth = 8;
        QCOMPARE(sizes(Dataset::open(root, flat)->batch(0, 1).inputs), (std::vector<int64_t> { 1, 64 }));
        flat.sampleShape = { 100 };
        QVERIFY(openError(root, flat)
                    .contains(QLatin1String("has samples of 192 values but the model's input takes shape [100]")));
        DatasetOptions fourChannels;
        fourChannels.sampleShape = { 4, 8, 8 };
        QVERIFY(openError(root, fourChannels).contains(QLatin1String("1 (grayscale) or 3 (RGB) channels")));
    }

    void imageFolderProblems()
    {
        // Images without sub-folders: unlabelled.
        const QString loose = path(QStringLiteral("loose"));
        QVERIFY(QDir().mkpath(loose));
        drawImage(loose + QStringLiteral("/a.png"), Qt::red, Qt::blue);
        drawImage(loose + QStringLiteral("/b.png"), Qt::red, Qt::blue);
        auto unlabelled = Dataset::open(loose);
        QVERIFY(!unlabelled->labelled());
        QCOMPARE(unlabelled->size(), 2);
        QVERIFY(!unlabelled->batch(0, 2).labels.defined());

        const QString emptyClass = path(QStringLiteral("emptyclass"));
        QVERIFY(QDir().mkpath(emptyClass + QStringLiteral("/dog")));
        QVERIFY(QDir().mkpath(emptyClass + QStringLiteral("/cow")));
        drawImage(emptyClass + QStringLiteral("/dog/d.png"), Qt::red, Qt::blue);
        QVERIFY(
            openError(emptyClass)
                .contains(QLatin1String("class folder cow of data set emptyclass holds no PNG, JPEG or BMP images")));

        const QString nothing = path(QStringLiteral("nothing"));
        QVERIFY(QDir().mkpath(nothing));
        QVERIFY(openError(nothing).contains(QLatin1String("holds no PNG, JPEG or BMP images")));

        // A file that is not really an image fails when its batch is read, naming it.
        const QString broken = path(QStringLiteral("broken"));
        QVERIFY(QDir().mkpath(broken + QStringLiteral("/x")));
        writeFile(broken + QStringLiteral("/x/bad.png"), "this is not a PNG");
        DatasetOptions options;
        options.sampleShape = { 3, 8, 8 };
        auto data = Dataset::open(broken, options);
        QString message;
        try {
            data->batch(0, 1);
        } catch (const ProfileError& error) {
            message = error.message();
        }
        QVERIFY2(
            message.contains(QLatin1String("cannot decode the image")) && message.contains(QLatin1String("bad.png")),
            qPrintable(message));
    }

    void tensorFileFromLibTorch()
    {
        const at::Tensor x = torch::arange(40, torch::kFloat).reshape({ 10, 4 });
        const at::Tensor y = longs({ 0, 1, 2, 3, 4, 0, 1, 2, 3, 4 });
        const std::vector<char> pair = torch::pickle_save(c10::ivalue::Tuple::create({ x, y }));
        writeFile(path(QStringLiteral("pair.pt")), QByteArray(pair.data(), qsizetype(pair.size())));
        DatasetOptions options;
        options.sampleShape = { 2, 2 };
        auto data = Dataset::open(path(QStringLiteral("pair.pt")), options);
        QCOMPARE(data->size(), 10);
        QVERIFY(data->labelled());
        QCOMPARE(data->classCount(), 5);
        QVERIFY(!data->streamed());
        QCOMPARE(data->residentBytes(), 40 * 4 + 10 * 8);
        QCOMPARE(data->description(),
            QStringLiteral(
                "pair.pt: 10 labelled samples, tensors of shape [4] (float32) as [2, 2], 5 classes, in memory"));
        const DataBatch batch = data->batch(8, 5);
        QVERIFY(torch::equal(batch.inputs, x.narrow(0, 8, 2).reshape({ 2, 2, 2 })));
        QVERIFY(torch::equal(batch.labels, y.narrow(0, 8, 2)));

        const std::vector<char> single = torch::pickle_save(x.to(torch::kDouble));
        writeFile(path(QStringLiteral("single.pt")), QByteArray(single.data(), qsizetype(single.size())));
        auto unlabelled = Dataset::open(path(QStringLiteral("single.pt")));
        QVERIFY(!unlabelled->labelled());
        QCOMPARE(unlabelled->classCount(), 0);
        QCOMPARE(unlabelled->batch(0, 3).inputs.scalar_type(), at::kDouble); // the stored dtype
        QVERIFY(!unlabelled->batch(0, 3).labels.defined());

        options.sampleShape = { 5 };
        QVERIFY(openError(path(QStringLiteral("pair.pt")), options)
                    .contains(QLatin1String(
                        "data set pair.pt has samples of 4 values but the model's input takes shape [5] (5 values)")));

        const std::vector<char> three = torch::pickle_save(c10::ivalue::Tuple::create({ x, y, y }));
        writeFile(path(QStringLiteral("three.pt")), QByteArray(three.data(), qsizetype(three.size())));
        QVERIFY(openError(path(QStringLiteral("three.pt"))).contains(QLatin1String("holds a Tuple of 3 elements")));

        writeFile(path(QStringLiteral("garbage.pt")), "not a pickle");
        QVERIFY(openError(path(QStringLiteral("garbage.pt"))).contains(QLatin1String("is not a file of tensors")));
    }

    void tensorFilesFromPython()
    {
        const QJsonObject files
            = test::runPythonJson(QStringLiteral("make_datasets.py"), { path(QStringLiteral("py")) });
        QVERIFY(!files.isEmpty());
        const at::Tensor x = torch::arange(24, torch::kFloat).reshape({ 6, 4 }) / 2;
        const at::Tensor y = longs({ 0, 1, 2, 0, 1, 2 });
        for (const char* name : { "tuple", "list" }) {
            auto data = Dataset::open(files.value(QLatin1String(name)).toString());
            const DataBatch all = data->batch(0, 6);
            QVERIFY(torch::equal(all.inputs, x));
            QVERIFY(torch::equal(all.labels, y));
            QCOMPARE(data->classCount(), 3);
        }
        auto single = Dataset::open(files.value(QLatin1String("single")).toString());
        QVERIFY(!single->labelled());
        QVERIFY(torch::equal(single->batch(0, 6).inputs, x));

        // Two-entry dicts load in LibTorch 1.13, one-entry dicts and OrderedDicts do not: all are refused alike.
        for (const char* name : { "dict", "dict_one", "ordered_dict" }) {
            const QString dict = openError(files.value(QLatin1String(name)).toString());
            QVERIFY2(dict.contains(QLatin1String("LibTorch 1.13 cannot read dicts")), qPrintable(dict));
            QVERIFY2(dict.contains(QLatin1String("torch.save((x, y), path)")), qPrintable(dict));
        }
        QVERIFY(openError(files.value(QLatin1String("dict")).toString())
                    .startsWith(QLatin1String("data set dict.pt holds a dict. Save a tuple")));
        const QString legacy = openError(files.value(QLatin1String("legacy")).toString());
        QVERIFY2(legacy.contains(QLatin1String("save it again with torch.save's default format")), qPrintable(legacy));
        const QString floatLabels = openError(files.value(QLatin1String("float_labels")).toString());
        QVERIFY2(floatLabels.contains(QLatin1String(
                     "the labels tensor is float32 with shape [6], but it must be 6 integer class indices")),
            qPrintable(floatLabels));

        DatasetOptions options;
        options.sampleShape = { 16 };
        auto bytes = Dataset::open(files.value(QLatin1String("uint8")).toString(), options);
        QCOMPARE(bytes->batch(0, 2).inputs.scalar_type(), at::kByte);
        QCOMPARE(sizes(bytes->batch(0, 2).inputs), (std::vector<int64_t> { 2, 16 }));
        QCOMPARE(bytes->batch(1, 1).inputs[0][0].item<int>(), 16);

        // torch.save of a slice writes the whole storage behind it, and that is what is held.
        auto slice = Dataset::open(files.value(QLatin1String("slice")).toString());
        QVERIFY(torch::equal(slice->batch(0, 1).inputs, floats({ 8.0f, 9, 10, 11 }).reshape({ 1, 4 })));
        QCOMPARE(slice->residentBytes(), 40 * 4 + 6 * 8);
    }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "tst_dataset.moc"
