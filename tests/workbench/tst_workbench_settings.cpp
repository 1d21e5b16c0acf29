// The workbench's switches become exactly the `optimize` command line the CLI documents, in the pipeline's
// order, and an advisor's --apply steps switch the right controls on.
#include "ui/workbench/WorkbenchAdvice.h"
#include "ui/workbench/WorkbenchSettings.h"

#include <QtTest>

using namespace memoscope;

namespace {
// The value after each occurrence of `option`.
QStringList valuesOf(const QStringList& arguments, const QString& option)
{
    QStringList values;
    for (qsizetype i = 0; i + 1 < arguments.size(); ++i)
        if (arguments[i] == option)
            values << arguments[i + 1];
    return values;
}
}

class TestWorkbenchSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Issue 18: "Predicted 58.7 MiB (3.1 %)" read as a 3.1 % saving. The predicted saving is a share of the peak
    // like the measured one, and the prediction's error is said in words.
    void outcomeSaysHowFarOffThePredictionWas()
    {
        const qint64 MiB = qint64(1) << 20;
        const qint64 before = 1186 * MiB / 10; // 118.6 MiB
        const qint64 after = before - 569 * MiB / 10;
        QCOMPARE(outcomeText(before, after, 587 * MiB / 10),
            QStringLiteral("peak 119 MiB → 61.7 MiB, measured saving 56.9 MiB (48.0 %); predicted 58.7 MiB (49.5 %); "
                           "the prediction was 3.2 % off."));
        QCOMPARE(outcomeText(before, after, std::nullopt),
            QStringLiteral("peak 119 MiB → 61.7 MiB, measured saving 56.9 MiB (48.0 %)."));
    }

    void nothingOnIsAProblem()
    {
        const WorkbenchSettings settings;
        QVERIFY(settings.isEmpty());
        QVERIFY(!settings.problem().isEmpty());
    }

    void stepsRunInPipelineOrder()
    {
        WorkbenchSettings settings;
        settings.quantization = WorkbenchSettings::Quantization::Dynamic;
        settings.distill = true;
        settings.distillData = QStringLiteral("demo-digits");
        settings.structuredRatio = 0.5;
        settings.l2Ranking = true;
        settings.globalRanking = true;
        QCOMPARE(settings.applySteps(),
            QStringList({ "prune-structured=0.5:l2:global", "int8-dynamic", "distill" }));
        QVERIFY(settings.problem().isEmpty());
        settings.precision = WorkbenchSettings::Precision::Float16;
        QCOMPARE(settings.applySteps(),
            QStringList({ "prune-structured=0.5:l2:global", "int8-dynamic", "fp16", "distill" }));
        settings.precision = WorkbenchSettings::Precision::BFloat16;
        QVERIFY(settings.problem().contains(QStringLiteral("bf16 and int8 do not combine")));
        settings.quantization = WorkbenchSettings::Quantization::None;
        QCOMPARE(settings.applySteps(), QStringList({ "prune-structured=0.5:l2:global", "distill", "bf16" }));
        settings.distillData.clear();
        QVERIFY(settings.problem().contains(QStringLiteral("Distillation needs data")));
    }

    void argumentsProfileAsTheBaselineRan()
    {
        WorkbenchSettings settings;
        settings.structuredRatio = 0.25;
        settings.distill = true;
        settings.distillData = QStringLiteral("demo-digits");
        settings.distillEpochs = 3;
        settings.precision = WorkbenchSettings::Precision::BFloat16;
        settings.excludedLayers = { QStringLiteral("fc2") };
        RunConfig baseline;
        baseline.modelPath = QStringLiteral("/models/digits_cnn.pt");
        baseline.inputs = { QStringLiteral("32x64:float32:0..16") };
        baseline.mode = RunMode::Train;
        baseline.iterations = 5;
        const QStringList arguments = settings.optimizeArguments(baseline, QStringLiteral("/tmp/out.pt"),
            QStringLiteral("/tmp/runs.sqlite"));
        QCOMPARE(arguments.mid(0, 2), QStringList({ "optimize", "/models/digits_cnn.pt" }));
        // --distill sits between the --apply steps it follows and precedes, as the CLI reads them in order.
        const qsizetype prune = arguments.indexOf(QStringLiteral("prune-structured=0.25"));
        const qsizetype distill = arguments.indexOf(QStringLiteral("--distill"));
        const qsizetype bf16 = arguments.indexOf(QStringLiteral("bf16"));
        QVERIFY(prune > 0 && prune < distill && distill < bf16);
        QCOMPARE(valuesOf(arguments, QStringLiteral("--distill")), QStringList { "demo-digits" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--epochs")), QStringList { "3" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--distill-batch")), QStringList { "64" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--distill-lr")), QStringList { "0.001" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--distill-optimizer")), QStringList { "adam" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--temperature")), QStringList { "4" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--alpha")), QStringList { "0.5" });
        settings.distillWithSgd = true;
        settings.distillLearningRate = 0.01;
        settings.distillTemperature = 2;
        const QStringList sgd = settings.optimizeArguments(baseline, QStringLiteral("/tmp/out.pt"), QStringLiteral("/tmp/runs.sqlite"));
        QCOMPARE(valuesOf(sgd, QStringLiteral("--distill-optimizer")), QStringList { "sgd" });
        QCOMPARE(valuesOf(sgd, QStringLiteral("--distill-lr")), QStringList { "0.01" });
        QCOMPARE(valuesOf(sgd, QStringLiteral("--temperature")), QStringList { "2" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--exclude")), QStringList { "fc2" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--input")), baseline.inputs);
        QCOMPARE(valuesOf(arguments, QStringLiteral("--mode")), QStringList { "train" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--iterations")), QStringList { "5" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--out")), QStringList { "/tmp/out.pt" });
        QCOMPARE(valuesOf(arguments, QStringLiteral("--db")), QStringList { "/tmp/runs.sqlite" });
        for (const char* flag : { "--profile", "--json", "--progress" })
            QVERIFY2(arguments.contains(QLatin1String(flag)), flag);
        QVERIFY(!arguments.contains(QStringLiteral("--sparse"))); // no unstructured pruning: nothing sparse
    }

    void advisorStepsSwitchControlsOn_data()
    {
        QTest::addColumn<QStringList>("steps");
        QTest::newRow("int8") << QStringList { "int8-dynamic" };
        QTest::newRow("prune and quantize") << QStringList { "prune-structured=0.3:l2", "int8-static" };
        QTest::newRow("global unstructured") << QStringList { "prune-unstructured=0.7:global" };
        QTest::newRow("fp16") << QStringList { "fp16" };
        QTest::newRow("weight-only") << QStringList { "int8-weight-only" };
    }
    void advisorStepsSwitchControlsOn()
    {
        QFETCH(QStringList, steps);
        WorkbenchSettings settings;
        QString error;
        QVERIFY2(settings.addSteps(steps, &error), qPrintable(error));
        QCOMPARE(settings.applySteps(), steps);
    }

    void runOptionsMakeANewProfileNotAModel()
    {
        WorkbenchSettings settings;
        settings.checkpoint = QStringLiteral("layer1,layer2");
        settings.ampBf16 = true;
        settings.batch = 4;
        settings.switchToSgd = true;
        QVERIFY(!settings.isEmpty());
        QVERIFY(settings.hasRunOptions());
        QVERIFY(settings.applySteps().isEmpty());
        QVERIFY(settings.problem().isEmpty());
        RunConfig baseline;
        baseline.modelPath = QStringLiteral("/models/resnet18.pt");
        baseline.inputs = { QStringLiteral("16x3x224x224") };
        baseline.labels = QStringLiteral("16:int64:0..999");
        baseline.mode = RunMode::Train;
        baseline.optimizer = OptimizerKind::Adam;
        baseline.name = QStringLiteral("baseline");
        const RunConfig rerun = settings.rerunConfig(baseline);
        QCOMPARE(rerun.modelPath, baseline.modelPath);
        QCOMPARE(rerun.inputs, QStringList { QStringLiteral("4x3x224x224:float32") });
        QVERIFY(rerun.labels.startsWith(QStringLiteral("4:int64")));
        QCOMPARE(rerun.checkpoint, QStringLiteral("layer1,layer2"));
        QCOMPARE(rerun.amp, QStringLiteral("bf16"));
        QCOMPARE(rerun.optimizer, OptimizerKind::Sgd);
        QVERIFY(rerun.name.isEmpty()); // a new run, not a copy of the baseline's name
        // A model transform and a run option at once would make a run that is neither: refused.
        settings.quantization = WorkbenchSettings::Quantization::Dynamic;
        QVERIFY(settings.problem().contains(QStringLiteral("one kind at a time")));
    }

    void advisorPlansFillRunOptions()
    {
        Plan plan;
        plan.checkpointLayers = { QStringLiteral("block0"), QStringLiteral("block1") };
        plan.switchToSgd = true;
        WorkbenchSettings settings;
        QString error;
        QVERIFY2(settings.addPlan(plan, &error), qPrintable(error));
        QCOMPARE(settings.checkpoint, QStringLiteral("block0,block1"));
        QVERIFY(settings.switchToSgd);
        const std::optional<Plan> back = settings.plan();
        QVERIFY(back.has_value());
        QCOMPARE(back->checkpointLayers, plan.checkpointLayers);
        // Streaming the data set the baseline held whole: the same data, read batch by batch.
        plan = Plan();
        plan.streamData = true;
        WorkbenchSettings streaming;
        QVERIFY2(streaming.addPlan(plan, &error), qPrintable(error));
        QVERIFY(streaming.streamData);
        QCOMPARE(streaming.runOptions(), QStringList { QStringLiteral("--stream") });
        QVERIFY(streaming.plan().has_value() && streaming.plan()->streamData);
        RunConfig baseline;
        baseline.mode = RunMode::Train;
        baseline.data = QStringLiteral("digits.csv");
        baseline.dataReading = DataReading::InMemory;
        QVERIFY(streaming.rerunProblem(baseline).isEmpty());
        const RunConfig rerun = streaming.rerunConfig(baseline);
        QCOMPARE(rerun.data, QStringLiteral("digits.csv"));
        QCOMPARE(rerun.dataReading, DataReading::Streamed);
    }

    void dataSetIsARunOption()
    {
        RunConfig baseline;
        baseline.mode = RunMode::Train;
        baseline.inputs = { QStringLiteral("32x64") };
        WorkbenchSettings settings;
        settings.streamData = true;
        // Random inputs have nothing to stream: the user is told to name a data set.
        QVERIFY(settings.problem().isEmpty());
        QVERIFY(settings.rerunProblem(baseline).contains(QStringLiteral("name one under Data")));
        settings.data = QStringLiteral("demo-digits");
        QVERIFY(settings.rerunProblem(baseline).isEmpty());
        QCOMPARE(settings.runOptions(), QStringList({ QStringLiteral("--data demo-digits"), QStringLiteral("--stream") }));
        const RunConfig rerun = settings.rerunConfig(baseline);
        QCOMPARE(rerun.data, QStringLiteral("demo-digits"));
        QCOMPARE(rerun.dataReading, DataReading::Streamed);
        QVERIFY(!settings.plan().has_value()); // another data set: nothing measured to replay
        settings.streamData = false;
        QCOMPARE(settings.rerunConfig(baseline).dataReading, DataReading::InMemory);
    }

    void unknownStepIsRefused()
    {
        WorkbenchSettings settings;
        QString error;
        QVERIFY(!settings.addSteps({ QStringLiteral("int4") }, &error));
        QVERIFY(error.contains(QStringLiteral("int4")));
    }
};

QTEST_GUILESS_MAIN(TestWorkbenchSettings)
#include "tst_workbench_settings.moc"
