// Fidelity of a transformed model against the original: exact figures on known outputs, models built here
// whose differences are known in advance, and the accuracy of the bundled demo model on its test split.

#include "profiler/Fidelity.h"
#include "profiler/ProfileError.h"
#include "profiler/data/Dataset.h"
#include "support/TestSupport.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <QtTest>
#include <cmath>

using namespace memoscope;

namespace {

// torch::tensor refuses an initializer list that mixes literal types (1.0f, 2): build from typed vectors.
at::Tensor floats(const std::vector<float>& values) { return torch::tensor(values); }
at::Tensor doubles(const std::vector<double>& values) { return torch::tensor(values); }

constexpr int64_t batchSize = 4;

// A TorchScript module computing `body` (a Python expression of x and the linear layer's output y) over a fixed
// inputs -> outputs linear layer; every module made with the same sizes has the same weights.
torch::jit::Module model(const std::string& body, int64_t outputs = 10, const char* name = "Model", int64_t inputs = 8)
{
    torch::manual_seed(0);
    auto unit = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module module(c10::QualifiedName(std::string("__torch__.") + name), unit, /*shouldMangle=*/true);
    module.register_parameter("weight", torch::randn({ outputs, inputs }), false);
    module.register_parameter("bias", torch::randn({ outputs }), false);
    module.define("def forward(self, x):\n    y = torch.linear(x, self.weight, self.bias)\n    return " + body + "\n");
    return module;
}

// Fresh random inputs on every call, the same sequence for every test.
std::function<std::vector<c10::IValue>()> randomInputs()
{
    auto generator = std::make_shared<at::Generator>(at::detail::createCPUGenerator(42));
    return [generator]() { return std::vector<c10::IValue> { at::randn({ batchSize, 8 }, *generator) }; };
}

FidelityReport compare(torch::jit::Module original, torch::jit::Module candidate, int batches = 5)
{
    return compareModels(original, candidate, randomInputs(), batches);
}

// The message of the ProfileError `action` throws, with its code; empty when it does not throw.
template <typename Action> std::pair<QString, int> errorOf(Action action)
{
    try {
        action();
    } catch (const ProfileError& error) {
        return { error.message(), error.code() };
    }
    return { QString(), -1 };
}

torch::jit::Module demoModel()
{
    return torch::jit::load(test::sourcePath(QStringLiteral("resources/demo/digits_cnn.pt")).toStdString());
}

} // namespace

class TestFidelity : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownOutputs()
    {
        OutputComparison comparison;
        comparison.add(floats({ 1.0f, 2, 3, 4 }).reshape({ 2, 2 }), floats({ 1.0f, 2.5, 3, 3 }).reshape({ 2, 2 }));
        const FidelityReport report = comparison.report();
        QCOMPARE(report.maxAbsError, 1.0);
        QCOMPARE(report.meanRelativeError, (0.5 + 1.0) / 10.0);
        QCOMPARE(report.cosine, (1 + 5 + 9 + 12) / (std::sqrt(30.0) * std::sqrt(1 + 6.25 + 9 + 9)));
        QCOMPARE(report.top1Agreement, 0.5); // row 2: argmax 1 against the first of two equal maxima, 0
        QCOMPARE(report.samples, 2);

        // Accumulated over batches: the figures of both together.
        comparison.add(doubles({ 0.0, 1 }).reshape({ 1, 2 }), doubles({ 3.0, 1 }).reshape({ 1, 2 }));
        const FidelityReport two = comparison.report();
        QCOMPARE(two.maxAbsError, 3.0);
        QCOMPARE(two.meanRelativeError, (0.5 + 1.0 + 3.0) / 11.0);
        QCOMPARE(two.top1Agreement, 1.0 / 3.0);
        QCOMPARE(two.samples, 3);

        // A NaN anywhere is not hidden by later batches.
        comparison.add(doubles({ 1.0, 1 }).reshape({ 1, 2 }), doubles({ NAN, 1.0 }).reshape({ 1, 2 }));
        comparison.add(doubles({ 1.0, 1 }).reshape({ 1, 2 }), doubles({ 9.0, 1.0 }).reshape({ 1, 2 }));
        QVERIFY(std::isnan(comparison.report().maxAbsError));
    }

    void identicalModels()
    {
        const FidelityReport report = compare(model("torch.relu(y)"), model("torch.relu(y)"));
        QCOMPARE(report.maxAbsError, 0.0);
        QCOMPARE(report.meanRelativeError, 0.0);
        QVERIFY(qAbs(report.cosine - 1) < 1e-12);
        QCOMPARE(report.top1Agreement, 1.0);
        QCOMPARE(report.samples, 5 * batchSize);
        QVERIFY(!report.accuracyBefore && !report.accuracyAfter);
    }

    void knownOffset()
    {
        // Every output moved by exactly 0.25: the largest error is 0.25 and the relative error 0.25 / mean |y|.
        const FidelityReport report = compare(model("y"), model("y + 0.25"));
        QVERIFY2(qAbs(report.maxAbsError - 0.25) < 1e-6, qPrintable(QString::number(report.maxAbsError)));
        const auto inputs = randomInputs();
        auto reference = model("y");
        double sumAbs = 0;
        for (int batch = 0; batch < 5; ++batch)
            sumAbs += reference.forward(inputs()).toTensor().abs().sum().item<double>();
        const double expected = 0.25 / (sumAbs / (5 * batchSize * 10));
        QVERIFY2(qAbs(report.meanRelativeError - expected) < 1e-6 * expected,
            qPrintable(QStringLiteral("%1 vs %2").arg(report.meanRelativeError).arg(expected)));
        QVERIFY(report.cosine < 1 && report.cosine > 0.9);
    }

    void boundedNoise()
    {
        // Uniform noise in [-0.01, 0.01): the largest error is below 0.01 and, over 200 values, close to it.
        const FidelityReport report = compare(model("y"), model("y + (torch.rand_like(y) * 2.0 - 1.0) * 0.01"));
        QVERIFY2(report.maxAbsError <= 0.01 + 1e-6, qPrintable(QString::number(report.maxAbsError)));
        QVERIFY2(report.maxAbsError > 0.008, qPrintable(QString::number(report.maxAbsError)));
        QVERIFY(report.meanRelativeError > 0 && report.meanRelativeError < 0.01);
        QVERIFY(report.cosine > 0.9999 && report.cosine < 1);
        QVERIFY(report.top1Agreement > 0.5);
    }

    void top1NeedsTwoClasses()
    {
        const FidelityReport report = compare(model("y", 1), model("y * 2.0", 1));
        QCOMPARE(report.samples, 5 * batchSize);
        QVERIFY(std::isnan(report.top1Agreement));
        QVERIFY(report.maxAbsError > 0);
        QVERIFY(report.toJson().value(QStringLiteral("top1_agreement")).isNull());
        QVERIFY(std::isnan(FidelityReport::fromJson(report.toJson()).top1Agreement));
    }

    void shapeMismatchRefused()
    {
        const auto [message, code] = errorOf([] { compare(model("y", 10), model("y", 5)); });
        QCOMPARE(code, int(ExitBadInput));
        QVERIFY2(message.startsWith(
                     QLatin1String("the optimized model's output has shape [4, 5] but the original's has [4, 10]")),
            qPrintable(message));
    }

    void outputsInsideTuples()
    {
        // The first floating-point tensor: past an integer tensor, inside a tuple.
        auto original = model("(torch.argmax(y, 1), y)", 10, "Tuple");
        const FidelityReport report = compare(original, model("(torch.argmax(y, 1), y + 1.0)", 10, "Tuple"));
        QVERIFY(qAbs(report.maxAbsError - 1) < 1e-6);
        QCOMPARE(report.top1Agreement, 1.0);
        const at::Tensor first = firstFloatingTensor(c10::ivalue::Tuple::create(
            { torch::zeros({ 2 }, torch::kLong), c10::List<at::Tensor>({ torch::ones({ 3 }) }) }));
        QVERIFY(first.defined() && first.numel() == 3);
        QVERIFY(!firstFloatingTensor(c10::IValue(int64_t(3))).defined());
    }

    void inputsChangedInPlaceDoNotLeak()
    {
        // The original adds 1 to its input in place; the candidate computes the same without touching it. If both
        // saw one tensor, the candidate would see x + 1 and differ by the weights' row sums.
        auto original = model("torch.linear(x.add_(1.0), self.weight, self.bias)", 10, "InPlace");
        auto candidate = model("torch.linear(x + 1.0, self.weight, self.bias)", 10, "OutOfPlace");
        QVERIFY(compare(original, candidate).maxAbsError < 1e-5);
    }

    void failuresNamed()
    {
        auto broken = model("torch.linear(y, self.weight, self.bias)", 10, "Broken"); // 10 inputs into an 8-wide layer
        const auto [message, code] = errorOf([&] { compare(model("y"), broken); });
        QCOMPARE(code, int(ExitModelFailed));
        QVERIFY2(message.startsWith(QLatin1String("the optimized model failed on inputs the original accepts: ")),
            qPrintable(message));
        const auto [originalMessage, originalCode] = errorOf([&] { compare(broken, model("y")); });
        QCOMPARE(originalCode, int(ExitBadInput));
        QVERIFY2(originalMessage.startsWith(QLatin1String("the original model failed: ")), qPrintable(originalMessage));
        QVERIFY2(!originalMessage.contains(QLatin1Char('\n')), qPrintable(originalMessage));
    }

    void demoModelAccuracy()
    {
        std::shared_ptr<Dataset> digits = Dataset::open(QStringLiteral("demo-digits"));
        const DatasetSplit split = splitHeldOut(digits, 0.2);
        auto demo = demoModel();
        demo.train(); // accuracy is measured in eval mode and the model's own mode is given back
        const double testAccuracy = accuracy(demo, *split.heldOut, 64);
        QVERIFY(demo.is_training());
        qInfo("demo model: %.4f on the test split", testAccuracy);
        QVERIFY2(testAccuracy >= 0.97, qPrintable(QString::number(testAccuracy)));
        // Batch size does not change the result.
        QCOMPARE(accuracy(demo, *split.heldOut, 7), testAccuracy);

        // compareModels with the data set's own batches: identical models agree everywhere.
        auto copy = demoModel();
        const FidelityReport same
            = compareModels(demo, copy, datasetInputs(*split.heldOut, 32), 12, split.heldOut.get(), 32);
        QCOMPARE(same.samples, 360); // 12 batches of 32 wrap around the 360 rows: 11 full batches and 8 rows
        QCOMPARE(same.maxAbsError, 0.0);
        QCOMPARE(same.top1Agreement, 1.0);
        QCOMPARE(same.accuracyBefore.value(), testAccuracy);
        QCOMPARE(same.accuracyAfter.value(), testAccuracy);

        // A candidate that negates the logits predicts the least likely class: accuracy collapses.
        auto unit = std::make_shared<torch::jit::CompilationUnit>();
        torch::jit::Module negated(c10::QualifiedName("__torch__.Negated"), unit, /*shouldMangle=*/true);
        negated.register_module("inner", demoModel());
        negated.define("def forward(self, x):\n    return -self.inner.forward(x)\n");
        const FidelityReport worse
            = compareModels(demo, negated, datasetInputs(*split.heldOut, 32), 3, split.heldOut.get(), 32);
        QVERIFY(worse.cosine < 0);
        QVERIFY(worse.top1Agreement < 0.1);
        QVERIFY(*worse.accuracyAfter < 0.1);
        QCOMPARE(*worse.accuracyBefore, testAccuracy);
        const FidelityReport again = FidelityReport::fromJson(worse.toJson());
        QCOMPARE(again.accuracyAfter, worse.accuracyAfter);
        QCOMPARE(again.cosine, worse.cosine);
    }

    void accuracyRefusals()
    {
        auto demo = demoModel();
        DatasetOptions options;
        options.sampleShape = { 64 };
        const QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("plain.csv")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray text;
        for (int column = 0; column < 64; ++column)
            text += (column ? "," : "") + QByteArray("p") + QByteArray::number(column);
        text += "\n" + QByteArray("1,").repeated(63) + "1\n";
        file.write(text);
        file.close();
        auto unlabelled = Dataset::open(file.fileName(), options);
        QVERIFY(!unlabelled->labelled());
        const auto [message, code] = errorOf([&] { accuracy(demo, *unlabelled, 8); });
        QCOMPARE(code, int(ExitBadInput));
        QVERIFY2(message.contains(QLatin1String("has no labels, so accuracy cannot be measured")), qPrintable(message));

        // Data shaped for another model: the model's own error, one line.
        options.sampleShape = { 1, 8, 8 };
        auto images = Dataset::open(QStringLiteral("demo-digits"), options);
        auto tiny = model("y", 10, "Tiny", 64);
        const auto [shapeMessage, shapeCode] = errorOf([&] { accuracy(tiny, *images, 8); });
        QCOMPARE(shapeCode, int(ExitBadInput));
        QVERIFY2(shapeMessage.startsWith(
                     QLatin1String("the model failed on data set digits.csv (inputs of shape [8, 1, 8, 8]): ")),
            qPrintable(shapeMessage));

        // More classes in the data than the model scores.
        auto rows = Dataset::open(QStringLiteral("demo-digits"));
        auto fiveClasses = model("y", 5, "Five", 64);
        const auto [classMessage, classCode] = errorOf([&] { accuracy(fiveClasses, *rows, 8); });
        QCOMPARE(classCode, int(ExitBadInput));
        QVERIFY2(classMessage.contains(QLatin1String("has 10 classes but the model scores only 5")),
            qPrintable(classMessage));
    }

    void reportJson()
    {
        FidelityReport report;
        report.maxAbsError = 0.5;
        report.meanRelativeError = 0.01;
        report.cosine = 0.999;
        report.top1Agreement = 0.98;
        report.samples = 360;
        QJsonObject json = report.toJson();
        QCOMPARE(json.keys(),
            (QStringList { QStringLiteral("cosine"), QStringLiteral("max_abs_error"), QStringLiteral("mean_rel_error"),
                QStringLiteral("samples"), QStringLiteral("top1_agreement") }));
        report.accuracyBefore = 0.997;
        report.accuracyAfter = 0.99;
        json = report.toJson();
        QCOMPARE(json.value(QStringLiteral("accuracy_before")).toDouble(), 0.997);
        const FidelityReport back = FidelityReport::fromJson(json);
        QCOMPARE(back.maxAbsError, 0.5);
        QCOMPARE(back.meanRelativeError, 0.01);
        QCOMPARE(back.cosine, 0.999);
        QCOMPARE(back.top1Agreement, 0.98);
        QCOMPARE(back.samples, 360);
        QCOMPARE(back.accuracyBefore, std::optional<double>(0.997));
        QCOMPARE(back.accuracyAfter, std::optional<double>(0.99));
    }
};

QTEST_GUILESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
