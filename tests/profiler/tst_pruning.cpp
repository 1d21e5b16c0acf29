// Structured pruning that really shrinks tensors, checked for exactness: channels made dead by hand (their
// weights, biases and BatchNorm zero) are the ones the ranking removes, and removing them must not change
// the output at all — which holds only if every tensor that follows those channels was cut consistently.
// Also: sizes, Python reload, unstructured pruning's honest accounting, distillation and bad input.

#include "profiler/Distillation.h"
#include "profiler/InputFactory.h"
#include "profiler/data/Dataset.h"
#include "profiler/Optimizer.h"
#include "profiler/TorchModel.h"
#include "profiler/transform/ChannelGraph.h"
#include "profiler/transform/FusedFastPaths.h"
#include "profiler/transform/GraphRewrite.h"
#include "profiler/transform/OpTrace.h"
#include "profiler/transform/Pruning.h"
#include "profiler/transform/ScriptEditing.h"
#include "support/TestSupport.h"
#include "PruningChecks.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

class TestPruning : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void removingDeadChannelsChangesNothing_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("excluded");
        QTest::newRow("resnet18: residual additions") << fixture("resnet18") << "2x3x64x64" << "";
        QTest::newRow("mobilenet_v2: depthwise convolutions") << fixture("mobilenet_v2") << "2x3x64x64" << "";
        QTest::newRow("demo: flatten before a Linear") << sourcePath("resources/demo/digits_cnn.pt") << "4x64:0..16"
                                                        << "";
        // LayerNorm divides by the stream's width, so removing even dead stream channels changes its output: the
        // stream (made by the embedding) stays, and the heads and feed-forward layers must be cut exactly.
        QTest::newRow("transformer: heads and feed-forward layers")
            << fixture("transformer") << "2x16:int64:0..999" << "embed";
        QTest::newRow("lstm_lm: hidden units across gates and layers") << fixture("lstm_lm") << "2x8:int64:0..7999"
                                                                       << "";
    }
    void removingDeadChannelsChangesNothing()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        QFETCH(QString, excluded);
        torch::jit::Module module = torch::jit::load(model.toStdString());
        // The transformer's fused fast path would hide its layers from the trace: off, as pruning does.
        script::disableFusedFastPaths(script::methodGraphs(module));
        module.eval();
        const std::vector<c10::IValue> inputs = InputFactory({ input }, QString()).makeInputs();
        killHalfOfEachGroup(module, inputs);
        const at::Tensor before = runModel(module, inputs);
        const qint64 bytesBefore = TorchModel::wrap(module, model).parameterBytesWithoutBuffers();

        TransformOptions options;
        if (!excluded.isEmpty())
            options.excluded.insert(excluded.toStdString());
        const TransformReport report = pruneStructured(module, inputs, PruningSettings { 0.5, false, false }, options);
        torch::jit::Module pruned = script::roundTrip(module);
        const at::Tensor after = runModel(pruned, inputs);
        const qint64 bytesAfter = TorchModel::wrap(pruned, model).parameterBytesWithoutBuffers();
        qInfo("%s: %lld layers cut, %lld skipped; parameters %.3fx; max difference %g", QTest::currentDataTag(),
            qint64(report.changed.size()), qint64(report.skipped.size()), double(bytesAfter) / bytesBefore,
            (after - before).abs().max().item<double>());
        QCOMPARE(after.sizes(), before.sizes());
        QVERIFY(!report.changed.empty());
        QVERIFY(bytesAfter < bytesBefore);
        QVERIFY(torch::allclose(after, before, 1e-4, 1e-5));
    }

    void halfTheChannelsShrinkParameters_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("resnet18") << "resnet18";
        QTest::newRow("mobilenet_v2") << "mobilenet_v2";
    }
    void halfTheChannelsShrinkParameters()
    {
        QFETCH(QString, model);
        OptimizeConfig config;
        config.modelPath = fixture(model);
        config.outPath = m_dir.filePath(model + QStringLiteral("-pruned.pt"));
        config.apply = { QStringLiteral("prune-structured=0.5") };
        config.inputs = { QStringLiteral("2x3x64x64") };
        config.fidelityBatches = 1;
        const OptimizeOutcome outcome = optimizeModel(config, nullptr);
        QVERIFY2(outcome.exitCode == ExitOk, qPrintable(outcome.message));
        const OptimizationRecord& record = outcome.record;
        const double ratio = double(record.paramBytesAfter) / record.paramBytesBefore;
        const double withBuffers
            = double(record.paramBytesAfter + record.bufferBytesAfter) / (record.paramBytesBefore + record.bufferBytesBefore);
        qInfo("%s: parameters %lld -> %lld bytes (%.5fx); with the BatchNorm statistics %.5fx", qPrintable(model),
            record.paramBytesBefore, record.paramBytesAfter, ratio, withBuffers);
        // MobileNetV2 gives 0.3486x: its classifier (36 % of its bytes) keeps its 1000 outputs and its depthwise
        // convolutions only halve. Counting the running statistics too it would be 0.35007x.
        QVERIFY2(ratio <= 0.35, qPrintable(QString::number(ratio, 'f', 5)));
        QVERIFY(withBuffers < 0.36);
        QVERIFY(!record.prunedLayers.isEmpty());

        // It reloads in Python, gives the same outputs there, and Python counts the same parameter bytes.
        const std::vector<c10::IValue> inputs = InputFactory(config.inputs, QString()).makeInputs();
        const PythonRun python = runInPython(config.outPath, inputs, m_dir.path());
        QVERIFY2(python.maxDifference >= 0 && python.maxDifference <= 1e-5, qPrintable(QString::number(python.maxDifference)));
        QCOMPARE(python.parameterBytes, record.paramBytesAfter);
        QCOMPARE(python.bufferBytes, record.bufferBytesAfter);
    }

    // nn.TransformerEncoder loses whole heads (each keeps its 64 features) and stream channels; the LSTM loses
    // hidden units, each with its row in all four gates of both layers. Python reloads both and agrees.
    void attentionAndRecurrentLayersLoseWholeUnits_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::newRow("transformer") << "transformer" << "2x16:int64:0..999";
        QTest::newRow("lstm_lm") << "lstm_lm" << "2x8:int64:0..7999";
    }
    void attentionAndRecurrentLayersLoseWholeUnits()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        OptimizeConfig config;
        config.modelPath = fixture(model);
        config.outPath = m_dir.filePath(model + QStringLiteral("-units.pt"));
        config.apply = { QStringLiteral("prune-structured=0.5") };
        config.inputs = { input };
        config.fidelityBatches = 1;
        const OptimizeOutcome outcome = optimizeModel(config, nullptr);
        QVERIFY2(outcome.exitCode == ExitOk, qPrintable(outcome.message));
        const double ratio = double(outcome.record.paramBytesAfter) / outcome.record.paramBytesBefore;
        torch::jit::Module pruned = torch::jit::load(config.outPath.toStdString());
        if (model == QLatin1String("transformer")) {
            const torch::jit::Module attention
                = *script::findModule(pruned, "encoder.layers.0.self_attn");
            const int64_t heads = attention.attr("num_heads").toInt();
            const int64_t rows = attention.attr("in_proj_weight").toTensor().size(0);
            qInfo("transformer: parameters %.3fx; layer 0 keeps %lld of 4 heads, %lld in-projection rows", ratio,
                qint64(heads), qint64(rows));
            QVERIFY(heads >= 1 && heads < 4);
            QCOMPARE(rows, 3 * 64 * heads); // whole heads of 64 queries, keys and values
            QCOMPARE(attention.attr("head_dim").toInt(), int64_t(64));
            QVERIFY(ratio < 0.5); // heads and the residual stream, not only the feed-forward width
        } else {
            const torch::jit::Module lstm = pruned.attr("lstm").toModule();
            const int64_t hidden = lstm.attr("weight_hh_l1").toTensor().size(1);
            qInfo("lstm_lm: parameters %.3fx; %lld of 256 hidden units", ratio, qint64(hidden));
            QVERIFY(hidden < 256);
            for (const char* name : { "weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1" })
                QCOMPARE(lstm.attr(name).toTensor().size(0), 4 * hidden);
            QCOMPARE(lstm.attr("weight_ih_l1").toTensor().size(1), hidden);
            QVERIFY(ratio < 0.9);
        }
        const std::vector<c10::IValue> inputs = InputFactory(config.inputs, QString()).makeInputs();
        const PythonRun python = runInPython(config.outPath, inputs, m_dir.path());
        QVERIFY2(python.maxDifference >= 0 && python.maxDifference <= 1e-5 * std::max(1.0, python.largestOutput),
            qPrintable(QString::number(python.maxDifference)));
    }

    void unstructuredKeepsDenseBytesAndSparseExportIsSmaller()
    {
        OptimizeConfig config;
        config.modelPath = fixture(QStringLiteral("resnet18"));
        config.outPath = m_dir.filePath(QStringLiteral("dense.pt"));
        config.apply = { QStringLiteral("prune-unstructured=0.7") };
        config.inputs = { QStringLiteral("1x3x64x64") };
        config.fidelityBatches = 1;
        const OptimizeOutcome dense = optimizeModel(config, nullptr);
        QVERIFY2(dense.exitCode == ExitOk, qPrintable(dense.message));
        QCOMPARE(dense.record.paramBytesAfter, dense.record.paramBytesBefore); // zeros still take their bytes
        QVERIFY(dense.record.notes.join(QLatin1Char(' ')).contains(QStringLiteral("memory do not drop")));

        config.outPath = m_dir.filePath(QStringLiteral("sparse.pt"));
        config.sparse = true;
        const OptimizeOutcome sparse = optimizeModel(config, nullptr);
        QVERIFY2(sparse.exitCode == ExitOk, qPrintable(sparse.message));
        qInfo("prune-unstructured=0.7: dense %lld bytes, sparse %lld bytes; files %lld and %lld bytes",
            dense.record.paramBytesAfter, sparse.record.paramBytesAfter, dense.record.fileBytesAfter,
            sparse.record.fileBytesAfter);
        QVERIFY(sparse.record.paramBytesAfter < 0.6 * dense.record.paramBytesAfter);
        QVERIFY(sparse.record.fileBytesAfter < 0.6 * dense.record.fileBytesAfter);
        QCOMPARE(sparse.record.paramBytesAfterDense, std::optional<qint64>(dense.record.paramBytesAfter));
        // The sparse model computes exactly what the dense pruned one does.
        torch::jit::Module a = torch::jit::load(m_dir.filePath(QStringLiteral("dense.pt")).toStdString());
        torch::jit::Module b = torch::jit::load(config.outPath.toStdString());
        const std::vector<c10::IValue> inputs = InputFactory(config.inputs, QString()).makeInputs();
        QVERIFY(torch::allclose(runModel(a, inputs), runModel(b, inputs), 1e-5, 1e-6));
    }

    void distillationWinsBackTheAccuracyPruningCost_data()
    {
        QTest::addColumn<QStringList>("apply");
        QTest::newRow("pruned student") << QStringList { "prune-structured=0.5", "distill" };
        // Int8 kernels have no gradients: the student trains in float32 through its int8 rounding.
        QTest::newRow("pruned, int8-static student") << QStringList { "prune-structured=0.5", "int8-static", "distill" };
    }
    void distillationWinsBackTheAccuracyPruningCost()
    {
        QFETCH(QStringList, apply);
        OptimizeConfig config;
        config.modelPath = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));
        config.outPath = m_dir.filePath(QStringLiteral("demo-distilled.pt"));
        config.apply = apply;
        config.inputs = { QStringLiteral("64x64:float32:0..16") };
        config.distillData = QStringLiteral("demo-digits");
        config.calibration = QStringLiteral("demo-digits");
        config.distillSettings.epochs = 15;
        const OptimizeOutcome outcome = optimizeModel(config, nullptr);
        QVERIFY2(outcome.exitCode == ExitOk, qPrintable(outcome.message));
        const auto& steps = outcome.record.accuracyByStep;
        QCOMPARE(steps.size(), apply.size() + 1);
        QStringList figures;
        for (const StepAccuracy& step : steps)
            figures << QStringLiteral("%1 %2 %").arg(step.after).arg(step.accuracy * 100, 0, 'f', 1);
        qInfo("digits test split: %s", qPrintable(figures.join(QStringLiteral(", "))));
        QVERIFY(steps[1].accuracy < steps[0].accuracy - 0.02); // pruning costs accuracy...
        QVERIFY(steps.last().accuracy >= steps[0].accuracy - 0.02); // ...distillation wins it back to within 2 points
        QCOMPARE(outcome.record.fidelity->accuracyAfter.value_or(0), steps.last().accuracy);
        if (apply.contains(QStringLiteral("int8-static"))) {
            // The file written is the int8 one, and it runs the same in Python.
            QVERIFY(outcome.record.notes.join(QLatin1Char(' ')).contains(QStringLiteral("rounded as int8-static")));
            QVERIFY(!outcome.record.quantizedEngine.isEmpty());
            const std::vector<c10::IValue> inputs = InputFactory(config.inputs, QString()).makeInputs();
            QVERIFY(runInPython(config.outPath, inputs, m_dir.path()).maxDifference <= 1e-4);
        }
    }

    // Held-out scores and training see the weights as they will be stored; the weights keep their own values.
    void distillationSeesTheWeightsRounded()
    {
        torch::jit::Module teacher = torch::jit::load(sourcePath(QStringLiteral("resources/demo/digits_cnn.pt")).toStdString());
        torch::jit::Module student = script::roundTrip(teacher);
        DatasetOptions options;
        options.sampleShape = { 64 };
        DatasetSplit split = splitHeldOut(Dataset::open(QStringLiteral("demo-digits"), options), 0.2);
        // A rounding that stores the classifier as zeros: every prediction is then the same class.
        const at::Tensor classifier = student.attr("fc2").toModule().attr("weight").toTensor();
        const RoundedWeights zeroed { RoundedWeight { classifier, [](const at::Tensor& w) { return torch::zeros_like(w); } } };
        DistillSettings settings;
        settings.epochs = 1;
        const DistillResult result = distill(teacher, student, *split.train, *split.heldOut, settings, {}, nullptr, zeroed);
        QCOMPARE(int(result.epochs.size()), 1);
        QVERIFY2(result.epochs[0].heldOutScore < 0.3, qPrintable(QString::number(result.epochs[0].heldOutScore)));
        QVERIFY(classifier.abs().sum().item<double>() > 0);
    }

    void badInputExitsWithTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString demo = sourcePath("resources/demo/digits_cnn.pt");
        QTest::newRow("ratio of 1") << QStringList { "optimize", demo, "--input", "8x64", "--apply", "prune-structured=1" }
                                    << "the pruning ratio must be a number in [0, 1)";
        QTest::newRow("negative ratio")
            << QStringList { "optimize", demo, "--input", "8x64", "--apply", "prune-unstructured=-0.2" }
            << "the pruning ratio must be a number in [0, 1)";
        QTest::newRow("data of the wrong shape")
            << QStringList { "optimize", fixture("resnet18"), "--input", "1x3x32x32", "--apply", "prune-structured=0.5",
                   "--distill", "demo-digits" }
            << "64 values";
        // Its only weight feeds the output, whose shape must stay: nothing to cut, and no file is written.
        QTest::newRow("nothing prunable")
            << QStringList { "optimize", studentPath(), "--input", "8x64", "--apply", "prune-structured=0.5" }
            << "nothing in this model can be pruned safely";
        QTest::newRow("student with other outputs")
            << QStringList { "optimize", demo, "--input", "8x64", "--distill", "demo-digits", "--student", studentPath() }
            << "the student's output has shape [64, 5] but the teacher's has [64, 10]";
    }
    void badInputExitsWithTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString out = m_dir.filePath(QStringLiteral("refused.pt"));
        const CliResult result = runCli(arguments + QStringList { "--out", out });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QVERIFY(!QFile::exists(out));
    }

private:
    // A student for the demo model's inputs whose outputs have 5 classes instead of 10.
    QString studentPath()
    {
        const QString path = m_dir.filePath(QStringLiteral("student5.pt"));
        if (!QFile::exists(path)) {
            torch::jit::Module student("__torch__.Student");
            student.register_parameter("weight", torch::randn({ 5, 64 }).requires_grad_(), false);
            student.define("def forward(self, x):\n    return torch.matmul(x, self.weight.t())\n");
            student.save(path.toStdString());
        }
        return path;
    }

    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestPruning)
#include "tst_pruning.moc"
