// Structured pruning on architectures it was not written against (torchvision's ResNet-50, DenseNet, RegNets,
// ConvNeXt, ShuffleNet, VGG, MobileNetV3, EfficientNet, ViT, SqueezeNet, GoogLeNet, MNASNet, ResNeXt), scripted
// at test time with random weights. Each is pruned at 0.5 to at most its expected share of parameters, into a
// model that runs on inputs of the original shape and gives outputs of the original shape, and the same
// outputs in Python. Where every norm is BatchNorm, channels made dead by hand must also be removed without
// changing the output: the proof that every coupled dimension (residuals, concatenations, groups, squeeze-excitation,
// channel shuffles) was cut consistently. LayerNorm mixes all channels, so there only the first half holds.

#include "PruningChecks.h"

#include "profiler/InputFactory.h"
#include "profiler/TorchModel.h"
#include "profiler/transform/FusedFastPaths.h"
#include "profiler/transform/GraphRewrite.h"
#include "profiler/transform/Pruning.h"
#include "profiler/transform/ScriptEditing.h"
#include "support/TestSupport.h"

#include <torch/torch.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
struct Architecture {
    const char* name;
    const char* input;
    bool batchNormOnly; // dead channels stay dead through every norm
    double most; // parameters after / before at 0.5
};

// At 0.5 a layer between two pruned layers keeps a quarter of its weights, but the output layer keeps all its
// classes and so half: where the classifier holds much of the model, that bounds the ratio from below
// (classifier share c: at least c/2 + (1 - c)/4). Everything else must reach 0.30x, as Torch-Pruning does.
// Small inputs where the architecture allows them: the checks are about shapes and channels, not accuracy.
const Architecture architectures[] = {
    { "resnet50", "1x3x64x64", true, 0.30 },
    { "resnext50_32x4d", "1x3x64x64", true, 0.30 }, // the same channels in every group
    { "densenet121", "1x3x64x64", true, 0.30 },
    { "regnet_x_400mf", "1x3x64x64", true, 0.30 },
    { "regnet_y_400mf", "1x3x64x64", true, 0.30 },
    { "convnext_tiny", "1x3x64x64", false, 0.30 }, // the residual stream with its LayerNorms
    // fc 1.02 M of 2.28 M: at least 0.36x. Each block splits its input, whose neighbours were interleaved by the
    // shuffle before: cutting channel j of one half keeps the stream's order only with channel j of the other, so
    // pairs of channels merge block after block and most of each stage's stream stays whole (0.48x).
    { "shufflenet_v2_x1_0", "1x3x64x64", true, 0.50 },
    { "vgg11", "1x3x64x64", true, 0.30 },
    { "mobilenet_v3_small", "1x3x64x64", true, 0.37 }, // its last Linear is 1.03 M of 2.54 M: at least 0.35x
    { "efficientnet_b0", "1x3x64x64", true, 0.33 }, // classifier 1.28 M of 5.29 M: at least 0.31x
    { "mnasnet0_5", "1x3x64x64", true, 0.42 }, // classifier 1.28 M of 2.22 M: at least 0.39x
    { "squeezenet1_0", "1x3x64x64", true, 0.37 }, // its last conv is 0.51 M of 1.25 M: at least 0.35x
    { "googlenet", "1x3x64x64", true, 0.32 }, // fc and two auxiliary fc2, 3.07 M of 13.0 M: at least 0.31x
    { "vit_b_16", "1x3x224x224", false, 0.30 }, // its patch grid is fixed at 14x14; heads and the stream
};
}

class TestPruningArchitectures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStringList names;
        for (const Architecture& a : architectures)
            names << QString::fromLatin1(a.name);
        const QJsonObject made = runPythonJson(QStringLiteral("make_architectures.py"), QStringList { m_dir.path() } + names);
        QCOMPARE(made.size(), names.size());
    }

    void prunedOrRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("input");
        QTest::addColumn<bool>("batchNormOnly");
        QTest::addColumn<double>("most");
        for (const Architecture& a : architectures)
            QTest::newRow(a.name) << QString::fromLatin1(a.name) << QString::fromLatin1(a.input) << a.batchNormOnly
                                  << a.most;
    }
    void prunedOrRefused()
    {
        QFETCH(QString, name);
        QFETCH(QString, input);
        QFETCH(bool, batchNormOnly);
        QFETCH(double, most);
        const QString model = m_dir.filePath(name + QStringLiteral(".pt"));
        const QString out = m_dir.filePath(name + QStringLiteral("-pruned.pt"));
        const CliResult result = runCli({ QStringLiteral("optimize"), model, QStringLiteral("--apply"),
            QStringLiteral("prune-structured=0.5"), QStringLiteral("--input"), input, QStringLiteral("--out"), out,
            QStringLiteral("--json"), QStringLiteral("--db"), m_dir.filePath(QStringLiteral("runs.sqlite")) });
        QVERIFY2(result.exitCode == 0, qPrintable(result.err)); // every one of them is pruned, none refused
        const QJsonObject record = result.json();
        const double ratio = record.value(QStringLiteral("param_bytes_after")).toDouble()
            / record.value(QStringLiteral("param_bytes_before")).toDouble();
        qInfo("%s: parameters %.3fx, %lld layers pruned, %lld skipped", qPrintable(name), ratio,
            qint64(record.value(QStringLiteral("pruned_layers")).toArray().size()),
            qint64(record.value(QStringLiteral("skipped_layers")).toArray().size()));
        QVERIFY2(ratio <= most, qPrintable(QStringLiteral("%1x, expected at most %2x").arg(ratio).arg(most)));

        // The pruned file runs on inputs of the original shape, with outputs of the original shape, here and in
        // Python alike.
        const std::vector<c10::IValue> inputs = InputFactory({ input }, QString()).makeInputs();
        torch::jit::Module original = torch::jit::load(model.toStdString());
        torch::jit::Module pruned = torch::jit::load(out.toStdString());
        const at::Tensor expected = runModel(original, inputs);
        QCOMPARE(runModel(pruned, inputs).sizes(), expected.sizes());
        const double difference = runInPython(out, inputs, m_dir.path()).maxDifference;
        // Random weights leave some outputs tiny (EfficientNet's are about 1e-14): tolerances scale with them.
        QVERIFY2(difference >= 0 && difference <= 1e-5 * expected.abs().max().item<double>(),
            qPrintable(QString::number(difference)));

        // Channels made dead by hand are the ones removed, and the output does not change.
        if (!batchNormOnly)
            return;
        script::disableFusedFastPaths(script::methodGraphs(original));
        original.eval();
        killHalfOfEachGroup(original, inputs);
        const at::Tensor before = runModel(original, inputs);
        const TransformReport report = pruneStructured(original, inputs, PruningSettings { 0.5, false, false }, {});
        torch::jit::Module cut = script::roundTrip(original);
        const at::Tensor after = runModel(cut, inputs);
        const double scale = before.abs().max().item<double>();
        qInfo("%s with dead channels: %lld layers cut; largest change %g of outputs up to %g", qPrintable(name),
            qint64(report.changed.size()), (after - before).abs().max().item<double>(), scale);
        QVERIFY(!report.changed.empty());
        QVERIFY(torch::allclose(after, before, 1e-4, 1e-5 * scale));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestPruningArchitectures)
#include "tst_pruning_architectures.moc"
