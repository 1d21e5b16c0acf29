// Precision and int8 transforms on real architectures made at test time: the sizes they promise, their
// fidelity to the original, and files that reload in Python's torch.jit.load with the same outputs.

#include "core/Store.h"
#include "profiler/InputFactory.h"
#include "profiler/Optimizer.h"
#include "profiler/TorchModel.h"
#include "profiler/transform/Int8Weights.h"
#include "profiler/transform/QuantizedEngine.h"
#include "support/TestSupport.h"
#include "InPython.h"

#include <torch/script.h>
#include <torch/serialize.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
struct Architecture {
    QString fixture;
    QString input;
};

Architecture architecture(const QString& name)
{
    if (name == QLatin1String("resnet18"))
        return { name, QStringLiteral("2x3x64x64") };
    if (name == QLatin1String("transformer"))
        return { name, QStringLiteral("4x32:int64:0..999") };
    if (name == QLatin1String("digits_cnn"))
        return { name, QStringLiteral("4x64:0..16") };
    return { name, QStringLiteral("4x32:int64:0..7999") }; // lstm_lm
}

QString modelPath(const QString& name)
{
    return name == QLatin1String("digits_cnn") ? sourcePath(QStringLiteral("resources/demo/digits_cnn.pt")) : fixture(name);
}

// Float bytes of the Linear weights that were quantized, and the int8 bytes that replaced them.
std::pair<qint64, qint64> linearWeightBytes(const QString& original, const QString& optimized)
{
    useQuantizedEngine(QStringLiteral("qnnpack"));
    const torch::jit::Module before = TorchModel::load(original).module;
    const torch::jit::Module after = TorchModel::load(optimized).module;
    qint64 floatBytes = 0;
    qint64 int8Bytes = 0;
    const std::string prefix = "_memoscope_int8_";
    for (const auto& module : after.named_modules()) {
        for (const auto& attribute : module.value.named_attributes(false)) {
            if (attribute.name.rfind(prefix, 0) != 0 || attribute.name == prefix + "cells" || !attribute.value.isObject())
                continue;
            const std::string weight = attribute.name.substr(prefix.size());
            torch::jit::Module owner = before;
            for (const QString& part : QString::fromStdString(module.name).split(QLatin1Char('.'), Qt::SkipEmptyParts))
                owner = owner.attr(part.toStdString()).toModule();
            floatBytes += owner.attr(weight).toTensor().numel() * 4;
            int8Bytes += int8::quantizedBytes(tensorsInside(attribute.value).front());
        }
    }
    return { floatBytes, int8Bytes };
}
}

class TestOptimize : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void bf16HalvesParameterBytes_data() { architectures(); }
    void bf16HalvesParameterBytes()
    {
        QFETCH(QString, name);
        const OptimizationRecord record = optimize(name, { QStringLiteral("bf16") });
        const double ratio = double(record.paramBytesAfter) / double(record.paramBytesBefore);
        qInfo("%s bf16: parameters %lld -> %lld bytes (%.4fx), cosine %.5f, max abs error %.4g", qPrintable(name),
            record.paramBytesBefore, record.paramBytesAfter, ratio, record.fidelity->cosine, record.fidelity->maxAbsError);
        QVERIFY2(std::abs(ratio - 0.5) <= 0.005, qPrintable(QString::number(ratio)));
        // Measured: 0.9997 and above on all three; bfloat16 keeps 8 bits of mantissa.
        QVERIFY(record.fidelity->cosine >= 0.99);
        QVERIFY(sameOutputsInPython(name));
    }

    void int8DynamicQuartersLinearWeights_data() { architectures(); }
    void int8DynamicQuartersLinearWeights()
    {
        QFETCH(QString, name);
        const OptimizationRecord record = optimize(name, { QStringLiteral("int8-dynamic") });
        const auto [floatBytes, int8Bytes] = linearWeightBytes(fixture(name), output(name));
        const double ratio = double(int8Bytes) / double(floatBytes);
        qInfo("%s int8-dynamic: Linear weights %lld -> %lld bytes (%.4fx); parameters %.4fx; cosine %.5f, top-1 %.3f",
            qPrintable(name), floatBytes, int8Bytes, ratio, double(record.paramBytesAfter) / record.paramBytesBefore,
            record.fidelity->cosine, record.fidelity->top1Agreement);
        QVERIFY(floatBytes > 0);
        QVERIFY2(ratio <= 0.27, qPrintable(QString::number(ratio)));
        QVERIFY(record.paramBytesAfter < record.paramBytesBefore);
        // Measured at 0.998 and above; per-channel int8 weights with dynamic activations.
        QVERIFY(record.fidelity->cosine >= 0.99);
        QVERIFY(sameOutputsInPython(name));
    }

    void int8DynamicLeavesNoFloatRecurrentWeights()
    {
        optimize(QStringLiteral("lstm_lm"), { QStringLiteral("int8-dynamic") });
        const torch::jit::Module lstm = TorchModel::load(output(QStringLiteral("lstm_lm"))).module.attr("lstm").toModule();
        QCOMPARE(lstm.named_parameters(false).size(), size_t(0));
        QVERIFY(lstm.attr("_flat_weights").toTensorList().empty());
        QCOMPARE(lstm.attr("_memoscope_int8_cells").toList().size(), size_t(2));
    }

    void int8DynamicReachesAttentionLayers()
    {
        const OptimizationRecord record = optimize(QStringLiteral("transformer"), { QStringLiteral("int8-dynamic") });
        for (const char* layer : { "encoder.layers.0.self_attn", "encoder.layers.0.self_attn.out_proj",
                 "encoder.layers.1.linear1", "encoder.layers.1.linear2", "head" })
            QVERIFY2(record.changedLayers.contains(QLatin1String(layer)), qPrintable(record.changedLayers.join(QLatin1Char(' '))));
    }

    void fp16StoresHalfAndSaysItComputesInFloat32_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("resnet18") << "resnet18";
        QTest::newRow("digits_cnn: convolutions with a bias, an Optional[Tensor]") << "digits_cnn";
    }
    void fp16StoresHalfAndSaysItComputesInFloat32()
    {
        QFETCH(QString, name);
        const OptimizationRecord record = optimize(name, { QStringLiteral("fp16") });
        QVERIFY(std::abs(double(record.paramBytesAfter) / record.paramBytesBefore - 0.5) <= 0.005);
        QVERIFY(record.notes.join(QLatin1Char(' ')).contains(QStringLiteral("computed in float32")));
        QVERIFY(record.fidelity->cosine >= 0.999);
        QVERIFY(sameOutputsInPython(name));
    }

    void weightOnlyInt8ShrinksTheFile()
    {
        const OptimizationRecord record = optimize(QStringLiteral("lstm_lm"), { QStringLiteral("int8-weight-only") });
        qInfo("int8-weight-only: file %lld -> %lld bytes", record.fileBytesBefore, record.fileBytesAfter);
        QVERIFY(record.fileBytesAfter < 0.6 * record.fileBytesBefore); // the LSTM's own weights stay float
        QVERIFY(!record.skippedLayers.isEmpty());
        QCOMPARE(record.skippedLayers.first().layer, QStringLiteral("lstm"));
        QVERIFY(record.fidelity->cosine >= 0.99);
    }

    void int8StaticQuantizesConvolutions()
    {
        const OptimizationRecord record = optimize(QStringLiteral("resnet18"), { QStringLiteral("int8-static") });
        qInfo("int8-static: %lld layers changed, %lld skipped; cosine %.4f", qint64(record.changedLayers.size()),
            qint64(record.skippedLayers.size()), record.fidelity->cosine);
        QVERIFY(record.changedLayers.contains(QStringLiteral("conv1")));
        QVERIFY(record.changedLayers.contains(QStringLiteral("fc")));
        QVERIFY(record.notes.join(QLatin1Char(' ')).contains(QStringLiteral("random inputs")));
        QVERIFY(double(record.paramBytesAfter) / record.paramBytesBefore < 0.3);
        QVERIFY(record.fidelity->cosine >= 0.9);
    }

    void excludedLayersStayFloat32()
    {
        OptimizeConfig config = configFor(QStringLiteral("resnet18"), { QStringLiteral("bf16") });
        config.exclude = { QStringLiteral("bn1"), QStringLiteral("layer1.0.bn1") };
        const OptimizeOutcome outcome = optimizeModel(config, nullptr);
        QVERIFY2(outcome.exitCode == ExitOk, qPrintable(outcome.message));
        const torch::jit::Module model = torch::jit::load(config.outPath.toStdString());
        QCOMPARE(model.attr("bn1").toModule().attr("weight").toTensor().scalar_type(), at::kFloat);
        QCOMPARE(model.attr("conv1").toModule().attr("weight").toTensor().scalar_type(), at::kBFloat16);
        QVERIFY(outcome.record.fidelity->cosine >= 0.99);
    }

    void badInputWritesNothing_data()
    {
        QTest::addColumn<QStringList>("apply");
        QTest::addColumn<QStringList>("exclude");
        QTest::addColumn<QString>("calibration");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown technique") << QStringList { "int4" } << QStringList {} << QString()
                                           << "unknown --apply 'int4'";
        QTest::newRow("exclude names no layer") << QStringList { "bf16" } << QStringList { "layer9.conv" } << QString()
                                                << "--exclude layer9.conv names no layer";
        QTest::newRow("calibration of the wrong shape")
            << QStringList { "int8-static" } << QStringList {} << QStringLiteral("demo-digits") << "64 values";
    }
    void badInputWritesNothing()
    {
        QFETCH(QStringList, apply);
        QFETCH(QStringList, exclude);
        QFETCH(QString, calibration);
        QFETCH(QString, message);
        OptimizeConfig config = configFor(QStringLiteral("resnet18"), apply);
        config.exclude = exclude;
        config.calibration = calibration;
        QFile::remove(config.outPath);
        const OptimizeOutcome outcome = optimizeModel(config, nullptr);
        QCOMPARE(outcome.exitCode, ExitBadInput);
        QVERIFY2(outcome.message.contains(message), qPrintable(outcome.message));
        QVERIFY(!QFile::exists(config.outPath));
        QVERIFY(QDir(m_dir.path()).entryList({ QStringLiteral("*.part") }).isEmpty());
    }

private:
    void architectures()
    {
        QTest::addColumn<QString>("name");
        for (const char* name : { "resnet18", "transformer", "lstm_lm" })
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    QString output(const QString& name) const { return m_dir.filePath(name + QStringLiteral("-optimized.pt")); }

    OptimizeConfig configFor(const QString& name, const QStringList& apply) const
    {
        OptimizeConfig config;
        config.modelPath = modelPath(name);
        config.outPath = output(name);
        config.apply = apply;
        config.inputs = { architecture(name).input };
        config.engine = QStringLiteral("qnnpack");
        config.fidelityBatches = 2;
        config.calibrationBatches = 2;
        return config;
    }

    OptimizationRecord optimize(const QString& name, const QStringList& apply)
    {
        const OptimizeOutcome outcome = optimizeModel(configFor(name, apply), nullptr);
        if (outcome.exitCode != ExitOk)
            qFatal("optimize %s failed: %s", qPrintable(name), qPrintable(outcome.message));
        return outcome.record;
    }

    // The optimized file gives the same outputs in Python as here.
    bool sameOutputsInPython(const QString& name)
    {
        const std::vector<c10::IValue> inputs = InputFactory({ architecture(name).input }, QString()).makeInputs();
        const PythonRun python = runInPython(output(name), inputs, m_dir.path());
        qInfo("%s: Python's output differs from Memoscope's by at most %g", qPrintable(name), python.maxDifference);
        return python.maxDifference >= 0 && python.maxDifference <= 1e-4 * std::max(1.0, python.largestOutput);
    }

    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestOptimize)
#include "tst_optimize.moc"
