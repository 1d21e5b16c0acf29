// The advisor on runs built by hand, where every prediction can be worked out on paper: what each lever
// shrinks, that only what is alive at the peak counts, that levers compound, the ranking and the budget solver.

#include "SyntheticRun.h"

#include "core/advisor/Advisor.h"
#include "core/advisor/BudgetSolver.h"
#include "core/advisor/DataParallel.h"

#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
// Weight-dominated inference: two Linear layers of 4000 B and an embedding of 2000 B; the peak (10500 B) is
// the weights, the input (100 B) and two activations (200 B each).
StoredRun weightDominatedInference()
{
    SyntheticRun r(RunMode::Inference);
    const qint32 root = r.layer(QString(), QStringLiteral("MLP"), -1);
    const qint32 fc1 = r.layer(QStringLiteral("fc1"), QStringLiteral("Linear"), root, 4000);
    const qint32 act = r.layer(QStringLiteral("act"), QStringLiteral("ReLU"), root);
    const qint32 fc2 = r.layer(QStringLiteral("fc2"), QStringLiteral("Linear"), root, 4000);
    r.layer(QStringLiteral("embed"), QStringLiteral("Embedding"), root, 2000);
    r.alloc(100, -1, Phase::Input, Category::Input);
    const qint32 a1 = r.alloc(200, fc1, Phase::Forward, Category::Activation);
    r.alloc(200, act, Phase::Forward, Category::Activation);
    r.free(a1);
    r.alloc(40, fc2, Phase::Forward, Category::Output);
    return r.finish();
}

// Adam-dominated training: one Linear of 1000 B with 2000 B of Adam state; peak 4100 B in backward.
StoredRun adamDominatedTraining()
{
    SyntheticRun r(RunMode::Train, OptimizerKind::Adam);
    const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
    const qint32 fc = r.layer(QStringLiteral("fc"), QStringLiteral("Linear"), root, 1000);
    r.alloc(2000, fc, Phase::Setup, Category::OptimizerState);
    const qint32 act = r.alloc(100, fc, Phase::Forward, Category::Activation);
    r.alloc(1000, fc, Phase::Backward, Category::Gradient);
    r.free(act);
    return r.finish();
}

// Activation-dominated training: two blocks of two Linear layers each keeping 300 B for backward, and a head
// keeping 50 B; the peak (1310 B) is at the start of backward.
StoredRun activationDominatedTraining()
{
    SyntheticRun r(RunMode::Train, OptimizerKind::Sgd);
    const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
    const qint32 block1 = r.layer(QStringLiteral("block1"), QStringLiteral("Sequential"), root);
    const qint32 a = r.layer(QStringLiteral("block1.a"), QStringLiteral("Linear"), block1, 10);
    const qint32 b = r.layer(QStringLiteral("block1.b"), QStringLiteral("Linear"), block1, 10);
    const qint32 block2 = r.layer(QStringLiteral("block2"), QStringLiteral("Sequential"), root);
    const qint32 c = r.layer(QStringLiteral("block2.c"), QStringLiteral("Linear"), block2, 10);
    const qint32 d = r.layer(QStringLiteral("block2.d"), QStringLiteral("Linear"), block2, 10);
    const qint32 head = r.layer(QStringLiteral("head"), QStringLiteral("Linear"), root, 10);
    // Each block keeps wide hidden activations (1200) and its narrower output (300).
    const qint32 xa = r.alloc(1200, a, Phase::Forward, Category::Activation);
    const qint32 xb = r.alloc(300, b, Phase::Forward, Category::Activation);
    const qint32 xc = r.alloc(1200, c, Phase::Forward, Category::Activation);
    const qint32 xd = r.alloc(300, d, Phase::Forward, Category::Activation);
    const qint32 xh = r.alloc(50, head, Phase::Forward, Category::Activation);
    r.alloc(10, head, Phase::Backward, Category::Gradient);
    r.free(xh);
    for (const auto& [layer, kept] :
        { std::pair { d, xd }, std::pair { c, xc }, std::pair { b, xb }, std::pair { a, xa } }) {
        r.alloc(5, layer, Phase::Backward, Category::Gradient);
        r.free(kept);
    }
    return r.finish();
}

const Recommendation* find(const Advice& advice, Lever lever)
{
    for (const Recommendation& r : advice.recommendations)
        if (r.lever == lever)
            return &r;
    return nullptr;
}
}

class TestAdvisor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyPlanReplaysTheMeasuredPeak()
    {
        for (const StoredRun& run :
            { weightDominatedInference(), adamDominatedTraining(), activationDominatedTraining() }) {
            const PeakSimulator simulator(run.trace, run.summary.config);
            const PeakPrediction same = simulator.predict(Plan {});
            QCOMPARE(same.peakBytes, run.metrics.peakBytes);
            QCOMPARE(same.categoriesAtPeak, run.metrics.categoriesAtPeak);
        }
    }

    void int8DynamicShrinksLinearWeightsOnly()
    {
        const StoredRun run = weightDominatedInference();
        QCOMPARE(run.metrics.peakBytes, qint64(10500));
        const Advice advice = Advisor(run).advice();
        const Recommendation* int8 = find(advice, Lever::Int8Dynamic);
        QVERIFY(int8);
        // 8000 B of Linear weights become int8 tensors and the engine's packed copy (0.53 of their float32
        // size); the embedding and the activations stay.
        const double kept = StorageRatios::int8Weights + StorageRatios::int8DynamicRepacked;
        QVERIFY(qAbs(int8->predictedSavingBytes - qint64(8000 * (1 - kept))) <= 1);
        QCOMPARE(int8->predictedPeakBytes, run.metrics.peakBytes - int8->predictedSavingBytes);
        QCOMPARE(int8->settings, QStringLiteral("int8-dynamic"));
        QVERIFY(int8->appliedByOptimize);
        QVERIFY2(int8->reason.startsWith(QStringLiteral("Linear weights are 76 % of the inference peak")),
            qPrintable(int8->reason));
        // Weight-dominated inference: a lower precision first (here bfloat16, which halves the activations too,
        // while int8 keeps a packed copy besides its int8 weights).
        QVERIFY(advice.recommendations.first().plan.precision != Precision::Float32);
    }

    void float16StorageCountsTheFloat32CopyOfTheRunningLayer()
    {
        const StoredRun run = weightDominatedInference();
        Plan plan;
        plan.precision = Precision::Fp16;
        // Weights halve to 5000 B, but a running layer holds a 4000 B float32 copy of its own; the most is while
        // fc2 writes the output: 5000 + 100 input + 200 activation + 40 output + 4000.
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(plan).peakBytes, qint64(9340));
    }

    void float16StorageLeavesRecurrentLayersInFloat32()
    {
        // An LSTM's weights are read as one list, which fp16 storage leaves in float32 (the transform says so).
        SyntheticRun r(RunMode::Inference);
        const qint32 root = r.layer(QString(), QStringLiteral("LM"), -1);
        const qint32 lstm = r.layer(QStringLiteral("lstm"), QStringLiteral("LSTM"), root, 3000);
        const qint32 head = r.layer(QStringLiteral("head"), QStringLiteral("Linear"), root, 2000);
        r.alloc(100, lstm, Phase::Forward, Category::Activation);
        r.alloc(50, head, Phase::Forward, Category::Output);
        const StoredRun run = r.finish();
        QCOMPARE(run.metrics.peakBytes, qint64(5150));
        Plan plan;
        plan.precision = Precision::Fp16;
        // 3000 (LSTM, float32) + 1000 (head, float16) + 100 + 50 + the head's 2000-byte float32 copy as it runs.
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(plan).peakBytes, qint64(6150));
    }

    void onlyWhatIsAliveAtThePeakShrinks()
    {
        SyntheticRun r(RunMode::Inference);
        const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
        const qint32 fc1 = r.layer(QStringLiteral("fc1"), QStringLiteral("Linear"), root, 1000);
        const qint32 fc2 = r.layer(QStringLiteral("fc2"), QStringLiteral("Linear"), root, 1000);
        r.free(r.alloc(1000, fc1, Phase::Forward, Category::Activation));
        r.alloc(6000, -1, Phase::Input, Category::Input); // the next batch, as the caller made it: float32
        const StoredRun run = r.finish();
        QCOMPARE(run.metrics.peakBytes, qint64(8000));
        Plan bf16;
        bf16.precision = Precision::Bf16;
        // The activation was freed before the peak and the caller's input is not cast: only the weights halve.
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(bf16).peakBytes, qint64(7000));
        Q_UNUSED(fc2);
    }

    void leversCompoundInsteadOfAddingUp()
    {
        SyntheticRun r(RunMode::Inference);
        const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
        for (const char* name : { "fc1", "fc2", "fc3" })
            r.layer(QLatin1String(name), QStringLiteral("Linear"), root, 400);
        const StoredRun run = r.finish();
        const PeakSimulator simulator(run.trace, run.summary.config);
        Plan pruned;
        pruned.pruneRatio = 0.5;
        Plan half;
        half.precision = Precision::Bf16;
        Plan both = pruned;
        both.precision = Precision::Bf16;
        // The first layer keeps its inputs, the last its outputs: 200 + 100 + 200.
        QCOMPARE(simulator.predict(pruned).peakBytes, qint64(500));
        QCOMPARE(simulator.predict(half).peakBytes, qint64(600));
        QCOMPARE(simulator.predict(both).peakBytes, qint64(250));
        QCOMPARE(both.applySteps(), QStringList({ QStringLiteral("prune-structured=0.5"), QStringLiteral("bf16") }));
    }

    void bfloat16KeepsTheOutputTwiceWhileCastingItBack()
    {
        SyntheticRun r(RunMode::Inference);
        const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
        const qint32 head = r.layer(QStringLiteral("head"), QStringLiteral("Linear"), root, 1000);
        r.alloc(4000, head, Phase::Forward, Category::Output);
        const StoredRun run = r.finish();
        Plan bf16;
        bf16.precision = Precision::Bf16;
        // 500 B of weights, the bfloat16 output (2000 B) and its float32 cast (4000 B).
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(bf16).peakBytes, qint64(6500));
    }

    void batchScalesOnlyBatchSizedTensors()
    {
        SyntheticRun r(RunMode::Inference);
        const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
        const qint32 fc = r.layer(QStringLiteral("fc"), QStringLiteral("Linear"), root, 1000);
        r.alloc(400, -1, Phase::Input, Category::Input);
        r.alloc(800, fc, Phase::Forward, Category::Activation);
        r.alloc(40, fc, Phase::Forward, Category::Output);
        const StoredRun run = r.finish();
        Plan plan;
        plan.batchSize = 4;
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(plan).peakBytes, qint64(1000 + 200 + 400 + 20));
        QCOMPARE(plan.runOptions(run.summary.config), QStringList { QStringLiteral("--input 4x64:float32") });
    }

    void adamDominatedTrainingLeadsToTheOptimizerState()
    {
        const StoredRun run = adamDominatedTraining();
        QCOMPARE(run.metrics.peakBytes, qint64(4100));
        const Advice advice = Advisor(run).advice();
        const Recommendation* sgd = find(advice, Lever::OptimizerState);
        QVERIFY(sgd);
        QCOMPARE(sgd->predictedSavingBytes, qint64(1000)); // one of Adam's two copies of the 1000 B of weights
        QCOMPARE(sgd->settings, QStringLiteral("--optimizer sgd"));
        QVERIFY(!sgd->appliedByOptimize);
        QCOMPARE(advice.recommendations.first().lever, Lever::OptimizerState);
        QVERIFY(!find(advice, Lever::Int8Dynamic)); // int8 is not trained here
    }

    void sgdUpdatesInPlaceWhereAdamMakesTemporaries()
    {
        SyntheticRun r(RunMode::Train, OptimizerKind::Adam);
        const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
        const qint32 fc = r.layer(QStringLiteral("fc"), QStringLiteral("Linear"), root, 1000);
        r.alloc(2000, fc, Phase::Setup, Category::OptimizerState);
        const qint32 gradient = r.alloc(1000, fc, Phase::Backward, Category::Gradient);
        r.alloc(1000, -1, Phase::Optimizer, Category::Temporary); // Adam's denominator
        r.free(gradient);
        const StoredRun run = r.finish();
        QCOMPARE(run.metrics.peakBytes, qint64(5000));
        Plan sgd;
        sgd.switchToSgd = true;
        // One copy of the state, no step temporaries: 1000 + 1000 + 1000 (the gradients, in backward).
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(sgd).peakBytes, qint64(3000));
    }

    // ZeroRedundancyOptimizer's partition: largest parameter first, each to the rank holding the fewest so far.
    void zeroShardsPartitionAsPyTorchDoes()
    {
        const QVector<OptimizerShard> shards = zeroShards({ 40, 100, 10, 60, 50 }, 2);
        QCOMPARE(shards.size(), 2);
        // rank 0: 100, 40 (140 of 260); rank 1: 60, 50, 10 (120 of 260).
        QCOMPARE(shards[0].stateShare, 140.0 / 260.0);
        QCOMPARE(shards[1].stateShare, 120.0 / 260.0);
        QCOMPARE(shards[0].stepShare, 1.0);
        QCOMPARE(shards[1].stepShare, 0.6);
        QCOMPARE(zeroShards({ 8 }, 4)[3].stateShare, 0.0); // more ranks than parameters: some hold none
    }

    void activationDominatedTrainingLeadsToCheckpointing()
    {
        const StoredRun run = activationDominatedTraining();
        QCOMPARE(run.metrics.peakBytes, qint64(3110));
        const Advisor advisor(run);
        // A recompute holds a second copy of the block's output, and the output's gradient, while the block's
        // backward runs. Checkpointing block2, whose backward comes first while everything else is still alive,
        // would raise the peak: block1 alone.
        QCOMPARE(advisor.checkpointCandidates(), QStringList({ QStringLiteral("block1") }));
        const Advice advice = advisor.advice();
        const Recommendation* checkpoint = find(advice, Lever::Checkpoint);
        QVERIFY(checkpoint);
        // Forward keeps block1's output (300) instead of its 1500: the head's backward holds 50 weights + 300 +
        // 1500 (block2) + 50 (head) + 10 gradients = 1910. Block1's backward later rebuilds its 1200 and holds its
        // output and the output's gradient (2 x 300): 50 + 1500 + 20 gradients + 600 = 2170 + 5, the new peak.
        QCOMPARE(checkpoint->predictedPeakBytes, qint64(2175));
        QCOMPARE(checkpoint->settings, QStringLiteral("--checkpoint block1"));
        QCOMPARE(advice.recommendations.first().lever, Lever::Checkpoint);
    }

    void int8StaticKeepsFloatActivationsAndDropsTheWorkspace()
    {
        // A convolution of 4000 B of weights: it unfolds its input into a 3000-byte workspace, then writes a
        // 1000-byte output; the peak (8000 + 3000 + 1000 bytes) is at the output.
        SyntheticRun r(RunMode::Inference);
        const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
        const qint32 conv = r.layer(QStringLiteral("conv"), QStringLiteral("Conv2d"), root, 8000);
        const qint32 workspace = r.alloc(3000, conv, Phase::Forward, Category::Temporary);
        r.alloc(1000, conv, Phase::Forward, Category::Activation);
        r.free(workspace);
        const StoredRun run = r.finish();
        QCOMPARE(run.metrics.peakBytes, qint64(12000));
        Plan int8;
        int8.precision = Precision::Int8Static;
        // int8 weights and the engine's packed copy; the output is float again, dequantized on the way out; the
        // int8 kernel needs no unfolded float input.
        const double weights = 8000 * (StorageRatios::int8Weights + StorageRatios::int8StaticRepacked);
        QCOMPARE(PeakSimulator(run.trace, run.summary.config).predict(int8).peakBytes, qint64(weights + 1000));
    }

    void alreadyCheckpointedRunsAreNotCheckpointedAgain()
    {
        StoredRun run = activationDominatedTraining();
        run.summary.config.checkpoint = QStringLiteral("block1");
        const Advice advice = Advisor(run).advice();
        QVERIFY(!find(advice, Lever::Checkpoint));
        QVERIFY(advice.notes.join(QLatin1Char('\n')).contains(QStringLiteral("already checkpoints block1")));
    }

    void everyLeverIsCovered()
    {
        QSet<Lever> levers;
        for (const StoredRun& run :
            { weightDominatedInference(), activationDominatedTraining(), adamDominatedTraining() })
            for (const Recommendation& r : Advisor(run).advice().recommendations) {
                levers.insert(r.lever);
                QVERIFY(!r.reason.isEmpty());
                const QJsonObject json = r.toJson();
                for (const char* key :
                    { "technique", "settings", "predicted_saving_bytes", "predicted_peak_bytes", "risk", "reason" })
                    QVERIFY2(json.contains(QLatin1String(key)), key);
            }
        QCOMPARE(levers.size(), 12);
        const Advice advice = Advisor(weightDominatedInference()).advice();
        // Honest about the levers that save nothing by themselves.
        QCOMPARE(find(advice, Lever::PruneUnstructured)->predictedSavingBytes, qint64(0));
        QCOMPARE(find(advice, Lever::Distill)->predictedSavingBytes, qint64(0));
        QCOMPARE(find(advice, Lever::StreamData)->predictedSavingBytes, qint64(0));
    }

    void budgetPlanHasTheLeastExpectedLossThatFits()
    {
        const StoredRun run = weightDominatedInference();
        const Advisor advisor(run);
        const BudgetPlan roomy = solveBudget(advisor, 20000, PlanScope::EveryLever);
        QVERIFY(roomy.fits);
        QVERIFY(roomy.plan.isEmpty());

        const qint64 budget = 6000;
        const BudgetPlan plan = solveBudget(advisor, budget, PlanScope::OptimizePipeline);
        QVERIFY(plan.fits);
        QVERIFY(plan.predictedPeakBytes <= budget);
        QCOMPARE(plan.predictedPeakBytes, advisor.simulator().predict(plan.plan).peakBytes);
        QVERIFY(!plan.applySteps.isEmpty());
        // No plan with a smaller expected loss fits.
        for (double ratio : { 0.0, 0.25, 0.5, 0.75 })
            for (Precision precision : { Precision::Float32, Precision::Bf16, Precision::Fp16, Precision::Int8Dynamic,
                     Precision::Int8Static, Precision::Int8WeightOnly }) {
                Plan other;
                other.pruneRatio = ratio;
                other.precision = precision;
                if (advisor.riskOf(other).expectedAccuracyLoss < plan.risk.expectedAccuracyLoss)
                    QVERIFY2(advisor.simulator().predict(other).peakBytes > budget,
                        qPrintable(other.describe(run.summary.config)));
            }
        QVERIFY(plan.plansTried > 10);
    }

    void impossibleBudgetSaysByHowMuchItMisses()
    {
        const StoredRun run = weightDominatedInference();
        const Advisor advisor(run);
        const BudgetPlan plan = solveBudget(advisor, 10, PlanScope::OptimizePipeline);
        QVERIFY(!plan.fits);
        QCOMPARE(plan.missBytes, plan.predictedPeakBytes - 10);
        // The closest plan is at least as small as the most aggressive one.
        Plan aggressive;
        aggressive.pruneRatio = 0.75;
        aggressive.precision = Precision::Int8Dynamic;
        QVERIFY(plan.predictedPeakBytes <= advisor.simulator().predict(aggressive).peakBytes);
    }

    void pruningFollowsTheChainAndStopsAtLayerNorm()
    {
        QVector<Layer> layers;
        auto add = [&layers](const QString& path, const QString& type, qint32 parent) {
            Layer l;
            l.id = qint32(layers.size());
            l.path = path;
            l.type = type;
            l.parentId = parent;
            l.depth = parent < 0 ? 0 : layers[parent].depth + 1;
            l.paramBytes = type == QLatin1String("ReLU") || type == QLatin1String("Block") ? 0 : 100;
            layers << l;
            return l.id;
        };
        const qint32 root = add(QString(), QStringLiteral("Net"), -1);
        const qint32 conv1 = add(QStringLiteral("conv1"), QStringLiteral("Conv2d"), root);
        const qint32 bn1 = add(QStringLiteral("bn1"), QStringLiteral("BatchNorm2d"), root);
        const qint32 conv2 = add(QStringLiteral("conv2"), QStringLiteral("Conv2d"), root);
        const qint32 block = add(QStringLiteral("block"), QStringLiteral("Block"), root);
        const qint32 attention = add(QStringLiteral("block.attn"), QStringLiteral("MultiheadAttention"), block);
        const qint32 outProj
            = add(QStringLiteral("block.attn.out_proj"), QStringLiteral("NonDynamicallyQuantizableLinear"), attention);
        const qint32 linear1 = add(QStringLiteral("block.linear1"), QStringLiteral("Linear"), block);
        const qint32 linear2 = add(QStringLiteral("block.linear2"), QStringLiteral("Linear"), block);
        add(QStringLiteral("block.norm"), QStringLiteral("LayerNorm"), block);
        const qint32 fc = add(QStringLiteral("fc"), QStringLiteral("Linear"), root);
        const QVector<PruningShape> shapes = pruningShapes(layers);
        QVERIFY(shapes[conv1].outputsCut && !shapes[conv1].inputsCut);
        QVERIFY(shapes[bn1].outputsCut);
        QVERIFY(shapes[conv2].outputsCut && shapes[conv2].inputsCut);
        QVERIFY(!shapes[fc].outputsCut && shapes[fc].inputsCut);
        QVERIFY(!shapes[outProj].outputsCut && !shapes[outProj].inputsCut);
        QVERIFY(shapes[linear1].outputsCut && !shapes[linear1].inputsCut);
        QVERIFY(!shapes[linear2].outputsCut && shapes[linear2].inputsCut);
    }
};

QTEST_GUILESS_MAIN(TestAdvisor)
#include "tst_advisor.moc"
