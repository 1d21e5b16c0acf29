// Gradient checkpointing on real architectures: the same gradients and BatchNorm statistics as without it,
// dropout drawing the same numbers, less memory kept for backward, the automatic choice of segments, and
// clear refusals. Every comparison is between two fresh loads of one file, stepped with the same inputs and seed.

#include "profiler/ProfileError.h"
#include "profiler/transform/Checkpointing.h"
#include "profiler/transform/ScriptEditing.h"
#include "TrainingSteps.h"
#include "support/TestSupport.h"

#include <ATen/autocast_mode.h>
#include <c10/core/CPUAllocator.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <QtTest>

#include <atomic>
#include <chrono>
#include <map>
#include <set>

using namespace memoscope;
using namespace memoscope::test;

namespace {
std::vector<std::string> paths(const QStringList& list)
{
    std::vector<std::string> result;
    for (const QString& path : list)
        result.push_back(path.toStdString());
    return result;
}

QString refusal(torch::jit::Module& model, const std::vector<std::string>& segments)
{
    try {
        applyCheckpointing(model, segments);
    } catch (const ProfileError& error) {
        return error.code() == ExitBadInput ? error.message() : QStringLiteral("wrong exit code");
    }
    return QString();
}

std::vector<c10::IValue> tokens()
{
    torch::manual_seed(11);
    return { torch::randint(0, 1000, { 4, 32 }, at::kLong) };
}

}

class TestCheckpointing : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(setUpTrainingSteps());
    }

    void automaticSegments_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("resnet18") << QStringLiteral("resnet18")
                                  << QStringList { "layer1", "layer2", "layer3", "layer4" };
        QTest::newRow("transformer") << QStringLiteral("transformer")
                                     << QStringList { "encoder.layers.0", "encoder.layers.1" };
        // repeat (an int argument) and split (a list result) cannot be segments.
        QTest::newRow("checkpoint_blocks")
            << QStringLiteral("checkpoint_blocks") << QStringList { "pair1", "pair2", "gate" };
        QTest::newRow("mlp: single layers only") << QStringLiteral("mlp") << QStringList {};
    }
    void automaticSegments()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, expected);
        const std::vector<std::string> segments = automaticCheckpointSegments(load(name));
        QStringList actual;
        for (const std::string& segment : segments)
            actual << QString::fromStdString(segment);
        QCOMPARE(actual, expected);
    }

    void resnet18GradientsMatch()
    {
        // 64x64 instead of 224x224: the same layers and the same arithmetic, at a twelfth of the time.
        const std::vector<c10::IValue> inputs = images(4, 64);
        torch::jit::Module plain = load(QStringLiteral("resnet18"));
        torch::jit::Module checkpointed = load(QStringLiteral("resnet18"));
        const TransformReport report = applyCheckpointing(checkpointed, { "layer1", "layer2", "layer3", "layer4" });
        QCOMPARE(report.changed, (std::vector<std::string> { "layer1", "layer2", "layer3", "layer4" }));

        const Step expected = trainStep(plain, inputs, 3);
        resetCheckpointStats();
        const Step actual = trainStep(checkpointed, inputs, 3);
        const CheckpointStats stats = checkpointStats();
        const double difference = maxDifference(expected.gradients, actual.gradients);
        qInfo("resnet18 4x3x64x64: %zu parameter gradients, max abs difference %.3g; recompute %.1f ms in %lld "
              "segment forwards",
            actual.gradients.size(), difference, stats.recomputeNs / 1e6, static_cast<long long>(stats.recomputations));
        QCOMPARE(actual.gradients.size(), size_t(62)); // every parameter got its gradient
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
        QCOMPARE(stats.recomputations, int64_t(4));
        QVERIFY(stats.recomputeNs > 0);
    }

    void recomputeRunsInTheForwardsPrecision()
    {
        // The recompute runs in backward, outside the autocast region: it must compute in bf16 again, as forward
        // did, or its outputs (and so the gradients) differ from what forward made.
        // bf16 convolutions are slow on this CPU: a small batch of small images has every layer all the same.
        const std::vector<c10::IValue> inputs = images(2, 32);
        torch::jit::Module plain = load(QStringLiteral("resnet18"));
        torch::jit::Module checkpointed = load(QStringLiteral("resnet18"));
        torch::jit::Module inFloat32 = load(QStringLiteral("resnet18"));
        applyCheckpointing(checkpointed, { "layer1", "layer2", "layer3", "layer4" });
        const Step expected = trainStep(plain, inputs, 3, /*bf16=*/true);
        const Step actual = trainStep(checkpointed, inputs, 3, /*bf16=*/true);
        const Step fp32 = trainStep(inFloat32, inputs, 3);
        const double difference = maxDifference(expected.gradients, actual.gradients);
        qInfo("resnet18 2x3x32x32 under bf16 autocast: max abs gradient difference %.3g checkpointed (%.3g from fp32)",
            difference, maxDifference(expected.gradients, fp32.gradients));
        QVERIFY(maxDifference(expected.gradients, fp32.gradients) > 1e-4); // bf16 did change the arithmetic
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
        QVERIFY(!at::autocast::is_cpu_enabled()); // the recompute left autocast as backward found it
    }

    void batchNormStatisticsUpdatedOnce()
    {
        const std::vector<c10::IValue> inputs = images(4, 64);
        torch::jit::Module plain = load(QStringLiteral("resnet18"));
        torch::jit::Module checkpointed = load(QStringLiteral("resnet18"));
        applyCheckpointing(checkpointed, { "layer1", "layer2", "layer3", "layer4" });
        const at::Tensor initial = checkpointed.attr("layer1")
                                       .toModule()
                                       .attr("0")
                                       .toModule()
                                       .attr("bn1")
                                       .toModule()
                                       .attr("running_mean")
                                       .toTensor()
                                       .clone();
        const Step expected = trainStep(plain, inputs, 3);
        const Step actual = trainStep(checkpointed, inputs, 3);
        const at::Tensor& mean = actual.buffers.at("layer1.0.bn1.running_mean");
        QVERIFY(!mean.equal(initial)); // the step did update it
        QVERIFY(mean.equal(expected.buffers.at("layer1.0.bn1.running_mean")));
        QCOMPARE(actual.buffers.at("layer1.0.bn1.num_batches_tracked").item<int64_t>(), int64_t(1));
        const double difference = maxDifference(expected.buffers, actual.buffers);
        qInfo("resnet18: %zu buffers after one step, max abs difference %.3g", actual.buffers.size(), difference);
        QCOMPARE(difference, 0.0);
    }

    void resnet18KeepsLessForBackward()
    {
        // The batch of 16 at 224x224: about 3 s per step on two cores.
        const std::vector<c10::IValue> inputs = images(16, 224);
        torch::jit::Module plain = load(QStringLiteral("resnet18"));
        torch::jit::Module checkpointed = load(QStringLiteral("resnet18"));
        applyCheckpointing(checkpointed, automaticCheckpointSegments(checkpointed));
        const Step expected = trainStep(plain, inputs, 5);
        resetCheckpointStats();
        const Step actual = trainStep(checkpointed, inputs, 5);
        const CheckpointStats stats = checkpointStats();
        const double saving = 1.0 - double(actual.keptBytes) / double(expected.keptBytes);
        qInfo("resnet18 16x3x224x224: kept for backward %.1f MB -> %.1f MB (%.1f %% less); step %.2f s -> %.2f s, "
              "recompute %.0f ms; max abs gradient difference %.3g",
            expected.keptBytes / 1e6, actual.keptBytes / 1e6, 100 * saving, expected.seconds, actual.seconds,
            stats.recomputeNs / 1e6, maxDifference(expected.gradients, actual.gradients));
        QVERIFY2(saving >= 0.40, qPrintable(QString::number(saving)));
        QVERIFY(maxDifference(expected.gradients, actual.gradients) <= 1e-5);
    }

    void dropoutDrawsTheSameNumbers()
    {
        torch::manual_seed(1);
        const std::vector<c10::IValue> inputs { torch::randn({ 8, 32 }) };
        torch::jit::Module plain = load(QStringLiteral("dropout_mlp"));
        torch::jit::Module checkpointed = load(QStringLiteral("dropout_mlp"));
        applyCheckpointing(checkpointed, { "drop" });
        const Step expected = trainStep(plain, inputs, 42);
        const Step actual = trainStep(checkpointed, inputs, 42);
        // Another seed gives other masks and other gradients: the comparison can see a wrong mask.
        torch::jit::Module other = load(QStringLiteral("dropout_mlp"));
        QVERIFY(maxDifference(expected.gradients, trainStep(other, inputs, 43).gradients) > 1e-3);
        const double difference = maxDifference(expected.gradients, actual.gradients);
        qInfo("dropout_mlp: max abs gradient difference %.3g", difference);
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
    }

    void severalTensorsAcrossTheBoundary()
    {
        torch::manual_seed(2);
        const std::vector<c10::IValue> inputs { torch::randn({ 8, 32 }) };
        torch::jit::Module plain = load(QStringLiteral("checkpoint_blocks"));
        torch::jit::Module checkpointed = load(QStringLiteral("checkpoint_blocks"));
        // pair2 shares pair1's class type but is not a segment; gate is called twice, once without its gate.
        applyCheckpointing(checkpointed, { "pair1", "gate" });
        const Step expected = trainStep(plain, inputs, 9);
        resetCheckpointStats();
        const Step actual = trainStep(checkpointed, inputs, 9);
        QCOMPARE(checkpointStats().recomputations, int64_t(3));
        const double difference = maxDifference(expected.gradients, actual.gradients);
        qInfo("checkpoint_blocks: max abs gradient difference %.3g", difference);
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
        QCOMPARE(maxDifference(expected.buffers, actual.buffers), 0.0);
        // pair2's dropout drew after pair1's: the recompute of pair1 must put the generator back where pair2
        // left it, or every later step draws other numbers than it would without checkpointing.
        QVERIFY(actual.nextRandom.equal(expected.nextRandom));
    }

    void transformerGradientsMatch()
    {
        // Optional[Tensor] arguments (the masks), dropout and LayerNorm inside each segment.
        torch::jit::Module plain = load(QStringLiteral("transformer"));
        torch::jit::Module checkpointed = load(QStringLiteral("transformer"));
        applyCheckpointing(checkpointed, automaticCheckpointSegments(checkpointed));
        const Step expected = trainStep(plain, tokens(), 4);
        resetCheckpointStats();
        const Step actual = trainStep(checkpointed, tokens(), 4);
        QCOMPARE(checkpointStats().recomputations, int64_t(2));
        const double difference = maxDifference(expected.gradients, actual.gradients);
        qInfo("transformer: max abs gradient difference %.3g", difference);
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
    }

    void firstSegmentWithoutGradInputsStillTrains()
    {
        // The segment's only input is the model's input, which needs no grad: its parameters must train anyway.
        torch::manual_seed(3);
        const std::vector<c10::IValue> inputs { torch::randn({ 8, 32 }) };
        torch::jit::Module plain = load(QStringLiteral("dropout_mlp"));
        torch::jit::Module checkpointed = load(QStringLiteral("dropout_mlp"));
        applyCheckpointing(checkpointed, { "fc1" });
        const Step expected = trainStep(plain, inputs, 8);
        const Step actual = trainStep(checkpointed, inputs, 8);
        QVERIFY(actual.gradients.count("fc1.weight"));
        QVERIFY(maxDifference(expected.gradients, actual.gradients) <= 1e-5);
    }

    void withoutGradRunsThePlainForward()
    {
        torch::manual_seed(2);
        const std::vector<c10::IValue> inputs { torch::randn({ 8, 32 }) };
        torch::jit::Module plain = load(QStringLiteral("checkpoint_blocks"));
        torch::jit::Module checkpointed = load(QStringLiteral("checkpoint_blocks"));
        applyCheckpointing(checkpointed, automaticCheckpointSegments(checkpointed));
        plain.eval();
        checkpointed.eval();
        resetCheckpointStats();
        torch::NoGradGuard noGrad;
        QVERIFY(checkpointed.forward(inputs).toTensor().equal(plain.forward(inputs).toTensor()));
        // In training mode too: without grad no backward follows, so nothing is saved for one.
        plain.train();
        checkpointed.train();
        torch::manual_seed(5);
        const at::Tensor expected = plain.forward(inputs).toTensor();
        torch::manual_seed(5);
        QVERIFY(checkpointed.forward(inputs).toTensor().equal(expected));
        QCOMPARE(checkpointStats().recomputations, int64_t(0));
    }

    void survivesSaveAndLoad()
    {
        // The op receives the segment module itself, so a saved and reloaded model still checkpoints.
        torch::manual_seed(2);
        const std::vector<c10::IValue> inputs { torch::randn({ 8, 32 }) };
        torch::jit::Module plain = load(QStringLiteral("checkpoint_blocks"));
        torch::jit::Module edited = load(QStringLiteral("checkpoint_blocks"));
        applyCheckpointing(edited, { "pair1", "pair2", "gate" });
        torch::jit::Module reloaded = script::roundTrip(edited);
        reloaded.train();
        const Step expected = trainStep(plain, inputs, 9);
        resetCheckpointStats();
        const Step actual = trainStep(reloaded, inputs, 9);
        QCOMPARE(checkpointStats().recomputations, int64_t(4));
        QVERIFY(maxDifference(expected.gradients, actual.gradients) <= 1e-5);
    }

    void refusals()
    {
        torch::jit::Module resnet = load(QStringLiteral("resnet18"));
        QVERIFY(refusal(resnet, { "layer9" })
                    .startsWith(QStringLiteral("--checkpoint layer9 names no module of this model")));
        QVERIFY(refusal(resnet, { "layer1.7" }).contains(QStringLiteral("names no module")));

        torch::jit::Module blocks = load(QStringLiteral("checkpoint_blocks"));
        const QString integer = refusal(blocks, { "pair1", "repeat" });
        qInfo("%s", qPrintable(integer));
        QVERIFY(integer.startsWith(QStringLiteral("--checkpoint repeat cannot be checkpointed")));
        QVERIFY(integer.contains(QStringLiteral("`times` of type int")));
        // Nothing was changed by the refused call, not even the valid segment before it.
        QVERIFY(!blocks.attr("pair1").toModule().find_method("_memoscope_checkpointed_forward"));
        const QString list = refusal(blocks, { "split" });
        qInfo("%s", qPrintable(list));
        QVERIFY(list.contains(QStringLiteral("split")) && list.contains(QStringLiteral("List[Tensor]")));

        torch::jit::Module transformer = load(QStringLiteral("transformer"));
        const QString container = refusal(transformer, { "encoder.layers" });
        qInfo("%s", qPrintable(container));
        QVERIFY(container.contains(QStringLiteral("ModuleList")));
    }
};

QTEST_GUILESS_MAIN(TestCheckpointing)
#include "tst_checkpointing.moc"
