#include "SampleRuns.h"

#include "core/InputSpec.h"

#include <QBrush>

namespace memoscope::test {

Layer layer(qint32 id, const QString& path, const QString& type, qint32 parent, qint64 paramBytes,
    qint64 forwardNs, qint64 backwardNs)
{
    Layer l;
    l.id = id;
    l.path = path;
    l.type = type;
    l.parentId = parent;
    l.depth = parent < 0 ? 0 : 1 + int(path.count(QLatin1Char('.')));
    l.paramBytes = paramBytes;
    l.forwardNs = forwardNs;
    l.backwardNs = backwardNs;
    l.pseudo = path.startsWith(QLatin1Char('<'));
    return l;
}

StoredRun sampleRun(qint64 id, const QString& name)
{
    StoredRun run;
    run.summary.id = id;
    run.summary.name = name;
    run.summary.modelPath = QStringLiteral("/models/digits_cnn.pt");
    run.summary.status = RunStatus::Complete;
    run.summary.config.mode = RunMode::Train;
    run.model.path = run.summary.modelPath;
    run.model.paramBytes = 6000;
    run.trace.layers = {
        layer(Root, QString(), QStringLiteral("DigitsNet"), -1, 0, 1000000, 2000000),
        layer(Features, QStringLiteral("features"), QStringLiteral("Sequential"), Root),
        layer(Conv, QStringLiteral("features.0"), QStringLiteral("Conv2d"), Features, 4000, 4000000, 6000000),
        layer(Relu, QStringLiteral("features.1"), QStringLiteral("ReLU"), Features, 0, 1000000, 1000000),
        layer(Classifier, QStringLiteral("classifier"), QStringLiteral("Sequential"), Root),
        layer(Dropout, QStringLiteral("classifier.0"), QStringLiteral("Dropout"), Classifier),
        layer(Linear, QStringLiteral("classifier.1"), QStringLiteral("Linear"), Classifier, 2000, 2000000, 2000000),
        layer(Loss, QStringLiteral("<loss>"), QStringLiteral("CrossEntropyLoss"), -1, 0, 500000, 500000),
    };
    // own figures: allocated, at peak, activations
    run.layerStats = { { 100, 0, 0 }, { 0, 0, 0 }, { 5000, 8000, 1000 }, { 1000, 1000, 1000 }, { 0, 0, 0 }, { 0, 0, 0 },
        { 3000, 20000, 500 }, { 10, 10, 0 } };
    CategoryBytes& atPeak = run.metrics.categoriesAtPeak;
    atPeak[int(Category::Parameter)] = 6000;
    atPeak[int(Category::Gradient)] = 6000;
    atPeak[int(Category::Activation)] = 2500;
    atPeak[int(Category::OptimizerState)] = 12000;
    atPeak[int(Category::Input)] = 500;
    atPeak[int(Category::Output)] = 0;
    atPeak[int(Category::Temporary)] = 13000;
    run.metrics.peakBytes = 40000;
    run.metrics.totalAllocatedBytes = 9110;
    run.metrics.eventCount = 1000;
    run.metrics.attributedFraction = 0.95;
    run.metrics.iterationMsMedian = 10.0;
    run.metrics.rssPeakBytes = 300 * MiB;
    run.summary.peakBytes = run.metrics.peakBytes;
    run.summary.iterationMsMedian = run.metrics.iterationMsMedian;
    return run;
}

RunSummary summary(qint64 id, const QString& name, const QString& modelPath, RunStatus status, qint64 peakBytes,
    const QDateTime& createdAt)
{
    RunSummary run;
    run.id = id;
    run.name = name;
    run.modelPath = modelPath;
    run.status = status;
    run.peakBytes = peakBytes;
    run.iterationMsMedian = 12.3456;
    run.createdAt = createdAt;
    return run;
}

QVector<RunSummary> sampleRunList()
{
    const QDate day(2024, 3, 1);
    RunSummary train = summary(1, QStringLiteral("baseline"), QStringLiteral("/models/digits_cnn.pt"),
        RunStatus::Complete, 40000, QDateTime(day, QTime(10, 0)));
    train.config.mode = RunMode::Train;
    train.config.optimizer = OptimizerKind::Adam;
    RunSummary failed = summary(
        2, QString(), QStringLiteral("/models/resnet18.pt"), RunStatus::Failed, 0, QDateTime(day, QTime(11, 30)));
    failed.error = QStringLiteral("the model failed: size mismatch");
    RunSummary oom = summary(3, QStringLiteral("big batch"), QStringLiteral("/models/resnet18.pt"),
        RunStatus::OutOfMemory, 900 * MiB, QDateTime(day, QTime(12, 0)));
    oom.error = QStringLiteral("out of memory in layer1.0.conv1");
    RunSummary large = summary(4, QStringLiteral("large"), QStringLiteral("/models/resnet18.pt"), RunStatus::Complete,
        2 * MiB, QDateTime(day.addDays(-1), QTime(9, 0)));
    return { oom, failed, train, large };
}

QVector<StoredRun> threeRuns()
{
    StoredRun base = sampleRun(1, QStringLiteral("baseline"));
    base.metrics.peakBytes = 48 * MiB;
    StoredRun smaller = sampleRun(2, QString());
    smaller.metrics.peakBytes = 36 * MiB;
    smaller.metrics.iterationMsMedian = 12.5;
    smaller.metrics.attributedFraction = 0.90;
    StoredRun larger = sampleRun(3, QStringLiteral("bigger batch"));
    larger.metrics.peakBytes = 60 * MiB;
    larger.metrics.iterationMsMedian = 8.0;
    larger.metrics.categoriesAtPeak[int(Category::Output)] = 1024;
    larger.metrics.categoriesAtPeak[int(Category::Activation)] = 50000; // 20 times the baseline's
    return { base, smaller, larger };
}

QColor background(const QModelIndex& index)
{
    const QVariant brush = index.data(Qt::BackgroundRole);
    return brush.isValid() ? brush.value<QBrush>().color() : QColor();
}

QString parseError(const QString& spec)
{
    QString error;
    const bool parsed = bool(InputSpec::parse(spec, &error));
    return parsed ? QString() : error;
}

QStringList childNames(const QAbstractItemModel& model, const QModelIndex& parent)
{
    QStringList names;
    for (int row = 0; row < model.rowCount(parent); ++row)
        names << model.index(row, 0, parent).data().toString();
    return names;
}

} // namespace memoscope::test
