// memoscope-cli advise and compare end to end on fixtures, as a user runs them: sensible rankings on real
// runs, predictions within 15 % of the saving measured after applying the lever for real, a budget plan that
// a real rerun confirms, per-layer differences of a real optimization, and one clear line for bad input.

#include "MeasuredSaving.h"

#include "support/TestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace memoscope::test;

namespace {
QJsonArray adviceOf(qint64 runId, const QString& database)
{
    const CliResult result = runCli({ QStringLiteral("advise"), QString::number(runId), QStringLiteral("--json"),
        QStringLiteral("--db"), database });
    if (result.exitCode != 0)
        qWarning() << result.err;
    return QJsonDocument::fromJson(result.out.toUtf8()).array();
}
}

class TestAdviseCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void ranksTheExpectedLeverFirst_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<QStringList>("expected");
        // Weights are almost all of an MLP's inference peak: a lower precision for them.
        QTest::newRow("mlp inference") << "mlp"
                                       << "8x64"
                                       << "inference"
                                       << "sgd"
                                       << QStringList { "bf16", "fp16", "int8-dynamic", "int8-weight-only",
                                              "int8-static" };
        // Adam's two copies of the parameters are half of a small MLP's training peak.
        QTest::newRow("mlp train adam") << "mlp"
                                        << "8x64"
                                        << "train"
                                        << "adam" << QStringList { "--optimizer sgd" };
        // Six top-level blocks at a batch of 2048 keep more activations for backward than their weights, gradients
        // and momentum: rebuilding them in backward is the lever that costs no accuracy.
        QTest::newRow("deep_mlp train") << "deep_mlp"
                                        << "2048x256"
                                        << "train"
                                        << "sgd" << QStringList { "--checkpoint" };
    }
    void ranksTheExpectedLeverFirst()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        QFETCH(QString, mode);
        QFETCH(QString, optimizer);
        QFETCH(QStringList, expected);
        Workload workload { model, input, mode, optimizer, 1 };
        QString error;
        const qint64 runId = profileRun(workload, database(), {}, &error);
        QVERIFY2(runId > 0, qPrintable(error));
        const QJsonArray advice = adviceOf(runId, database());
        QVERIFY2(advice.size() >= 6, qPrintable(QString::number(advice.size())));
        const QJsonObject first = advice.first().toObject();
        const QString settings = first.value(QStringLiteral("settings")).toString();
        bool matches = false;
        for (const QString& prefix : expected)
            matches = matches || settings.startsWith(prefix);
        QVERIFY2(matches,
            qPrintable(
                QStringLiteral("first: %1 (%2)").arg(settings, first.value(QStringLiteral("reason")).toString())));
        QVERIFY(first.value(QStringLiteral("predicted_saving_bytes")).toDouble() > 0);
        // Savings are listed best first and every entry says why.
        for (const QJsonValue& value : advice) {
            const QJsonObject r = value.toObject();
            QVERIFY(!r.value(QStringLiteral("reason")).toString().isEmpty());
            QVERIFY(!r.value(QStringLiteral("risk")).toString().isEmpty());
            QVERIFY(r.value(QStringLiteral("predicted_peak_bytes")).toDouble() > 0);
        }
    }

    void predictionsAreWithin15PercentOfMeasured_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("lever");
        QTest::newRow("resnet18 inference bf16") << "resnet18"
                                                 << "2x3x64x64"
                                                 << "inference"
                                                 << "bf16";
        QTest::newRow("resnet18 inference int8-dynamic") << "resnet18"
                                                         << "2x3x64x64"
                                                         << "inference"
                                                         << "int8-dynamic";
        QTest::newRow("resnet18 inference prune-structured") << "resnet18"
                                                             << "2x3x64x64"
                                                             << "inference"
                                                             << "prune-structured=0.5";
        QTest::newRow("transformer inference int8-dynamic") << "transformer"
                                                            << "4x32:int64:0..999"
                                                            << "inference"
                                                            << "int8-dynamic";
        QTest::newRow("transformer inference bf16") << "transformer"
                                                    << "4x32:int64:0..999"
                                                    << "inference"
                                                    << "bf16";
        // resnet18's peak moves to layer1's backward, where the recompute rebuilds its activations and holds a copy
        // of its output and of the output's gradient: the advisor checkpoints layer1 alone.
        QTest::newRow("resnet18 train checkpoint") << "resnet18"
                                                   << "8x3x224x224"
                                                   << "train"
                                                   << "--checkpoint layer1";
        QTest::newRow("deep_mlp train checkpoint") << "deep_mlp"
                                                   << "2048x256"
                                                   << "train"
                                                   << "--checkpoint block0,block1,block2,block3,block4";
        QTest::newRow("mlp train adam -> sgd") << "mlp"
                                               << "64x64"
                                               << "train"
                                               << "--optimizer sgd";
        // At a batch of 8 Adam's step peaks with its parameter-sized temporaries; SGD's peak is in backward.
        QTest::newRow("mlp train adam -> sgd, peak in the step") << "mlp"
                                                                 << "8x64"
                                                                 << "train"
                                                                 << "--optimizer sgd";
    }
    void predictionsAreWithin15PercentOfMeasured()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        QFETCH(QString, mode);
        QFETCH(QString, lever);
        const Workload workload { model, input, mode, lever.startsWith(QLatin1String("--optimizer")) ? "adam" : "sgd",
            2 };
        const SavingCheck check = checkSaving(workload, lever, database(), m_dir.path());
        QVERIFY2(check.error.isEmpty(), qPrintable(check.error));
        qInfo("%s: predicted %lld, measured %lld bytes of a %lld-byte peak (%+.1f %%)", QTest::currentDataTag(),
            check.predictedSaving, check.measuredSaving, check.baselinePeak, 100 * check.relativeError());
        QVERIFY(check.measuredSaving > 0);
        QVERIFY2(std::abs(check.relativeError()) <= 0.15, qPrintable(QString::number(check.relativeError())));
    }

    void budgetPlanFitsWhenAppliedForReal()
    {
        Workload workload { QStringLiteral("resnet18"), QStringLiteral("4x3x64x64"), QStringLiteral("train"),
            QStringLiteral("sgd"), 1 };
        QString error;
        const qint64 runId = profileRun(workload, database(), {}, &error);
        QVERIFY2(runId > 0, qPrintable(error));
        const qint64 peak = qint64(runCli({ QStringLiteral("show"), QString::number(runId), QStringLiteral("--json"),
                                              QStringLiteral("--db"), database() })
                                       .json()
                                       .value(QStringLiteral("peak_bytes"))
                                       .toDouble());
        const qint64 budget = peak * 6 / 10;
        const CliResult applied = runCli(
            { QStringLiteral("advise"), QString::number(runId), QStringLiteral("--budget"), QString::number(budget),
                QStringLiteral("--apply"), QStringLiteral("--out"), m_dir.filePath(QStringLiteral("advised.pt")),
                QStringLiteral("--json"), QStringLiteral("--db"), database() });
        QVERIFY2(applied.exitCode == 0, qPrintable(applied.err));
        const QJsonObject result = applied.json();
        qInfo("budget %lld of a %lld-byte peak: %s, predicted %.0f, measured %.0f", budget, peak,
            qPrintable(result.value(QStringLiteral("plan")).toVariant().toStringList().join(QLatin1Char(' '))),
            result.value(QStringLiteral("predicted_peak_bytes")).toDouble(),
            result.value(QStringLiteral("measured_peak_bytes")).toDouble());
        QVERIFY(result.value(QStringLiteral("fits")).toBool());
        QVERIFY(result.value(QStringLiteral("measured_peak_bytes")).toDouble() <= double(budget));
        QVERIFY(!result.value(QStringLiteral("plan")).toArray().isEmpty());
        // Levers that are profile options are listed as not applied (none are needed for this budget).
        QVERIFY(result.value(QStringLiteral("not_applied")).isArray());
        QCOMPARE(result.value(QStringLiteral("optimization")).toObject().value(QStringLiteral("applied")).toArray(),
            result.value(QStringLiteral("plan")).toArray());

        // The prediction and its error are stored with the run that measured it, linked to the baseline.
        const qint64 measuredRun = qint64(result.value(QStringLiteral("run_id")).toDouble());
        const QJsonObject shown = runCli({ QStringLiteral("show"), QString::number(measuredRun),
                                             QStringLiteral("--json"), QStringLiteral("--db"), database() })
                                      .json();
        const QJsonObject prediction = shown.value(QStringLiteral("prediction")).toObject();
        QCOMPARE(qint64(prediction.value(QStringLiteral("baseline_run_id")).toDouble()), runId);
        QCOMPARE(prediction.value(QStringLiteral("measured_peak_bytes")).toDouble(),
            shown.value(QStringLiteral("peak_bytes")).toDouble());
        QVERIFY(prediction.value(QStringLiteral("saving_error")).isDouble());
        QCOMPARE(qint64(shown.value(QStringLiteral("optimization"))
                            .toObject()
                            .value(QStringLiteral("baseline_run_id"))
                            .toDouble()),
            runId);
        m_baselineRun = runId;
        m_advisedRun = measuredRun;
    }

    void impossibleBudgetSaysByHowMuchItMisses()
    {
        QVERIFY(m_baselineRun > 0);
        const CliResult result
            = runCli({ QStringLiteral("advise"), QString::number(m_baselineRun), QStringLiteral("--budget"),
                QStringLiteral("1K"), QStringLiteral("--json"), QStringLiteral("--db"), database() });
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QJsonObject plan = result.json().value(QStringLiteral("plan")).toObject();
        QVERIFY(!plan.value(QStringLiteral("fits")).toBool());
        QCOMPARE(plan.value(QStringLiteral("miss_bytes")).toDouble(),
            plan.value(QStringLiteral("predicted_peak_bytes")).toDouble() - 1024);
        const CliResult text = runCli({ QStringLiteral("advise"), QString::number(m_baselineRun),
            QStringLiteral("--budget"), QStringLiteral("1K"), QStringLiteral("--db"), database() });
        QVERIFY2(text.out.contains(QStringLiteral("does not fit, misses by")), qPrintable(text.out));
    }

    void compareListsTheLayersThatChanged()
    {
        QVERIFY(m_advisedRun > 0);
        const CliResult result = runCli({ QStringLiteral("compare"), QString::number(m_baselineRun),
            QString::number(m_advisedRun), QStringLiteral("--json"), QStringLiteral("--db"), database() });
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QJsonObject comparison = result.json();
        const QJsonArray metrics = comparison.value(QStringLiteral("metrics")).toArray();
        const QJsonObject peak = metrics.first().toObject();
        QCOMPARE(peak.value(QStringLiteral("key")).toString(), QStringLiteral("peak_bytes"));
        QVERIFY(peak.value(QStringLiteral("difference_from_first")).toArray().at(1).toDouble() < 0);
        const QJsonArray layers = comparison.value(QStringLiteral("layer_differences"))
                                      .toArray()
                                      .first()
                                      .toObject()
                                      .value(QStringLiteral("layers"))
                                      .toArray();
        QVERIFY(!layers.isEmpty());
        // Largest change first; the plan shrank convolution weights.
        double previous = INFINITY;
        bool convolutionShrank = false;
        for (const QJsonValue& value : layers) {
            const QJsonObject layer = value.toObject();
            // Sorted by the change at the peak (then parameters, then allocation).
            const double size = std::abs(layer.value(QLatin1String("peak_contribution_change")).toDouble());
            QVERIFY(size <= previous);
            previous = size;
            if (layer.value(QStringLiteral("type")).toString() == QLatin1String("Conv2d"))
                convolutionShrank = convolutionShrank || layer.value(QStringLiteral("param_change")).toDouble() < 0;
        }
        QVERIFY(convolutionShrank);
        const CliResult text = runCli({ QStringLiteral("compare"), QString::number(m_baselineRun),
            QString::number(m_advisedRun), QStringLiteral("--db"), database() });
        QVERIFY(text.out.contains(QStringLiteral("Layers, B minus A")));
    }

    void badInputExitsWithOneClearLine_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown run") << QStringList { "advise", "999999" } << "there is no run 999999";
        QTest::newRow("not a run id") << QStringList { "advise", "abc" } << "'abc' is not a run id";
        QTest::newRow("bad budget") << QStringList { "advise", "1", "--budget", "lots" }
                                    << "--budget 'lots' is not a size";
        QTest::newRow("zero budget") << QStringList { "advise", "1", "--budget", "0" } << "--budget '0' is not a size";
        QTest::newRow("apply without budget") << QStringList { "advise", "1", "--apply" } << "--apply needs --budget";
        QTest::newRow("one run to compare") << QStringList { "compare", "1" } << "compare needs at least two run ids";
        QTest::newRow("unknown run to compare")
            << QStringList { "compare", "1", "999999" } << "there is no run 1 in this database";
    }
    void badInputExitsWithOneClearLine()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const CliResult result = runCli(
            arguments + QStringList { QStringLiteral("--db"), m_dir.filePath(QStringLiteral("empty.sqlite")) });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(result.out.isEmpty());
    }

    // Accuracy losses are priors until `optimize` measures them on the same model: then the measurement, the
    // one that ran, is what the advice says.
    void measuredAccuracyReplacesThePrior()
    {
        const QString db = m_dir.filePath(QStringLiteral("measured.sqlite"));
        const QString demo = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));
        const auto pruningAdvice = [&](qint64 runId) {
            for (const QJsonValue& value : adviceOf(runId, db))
                if (value.toObject().value(QStringLiteral("settings")).toString() == QLatin1String("prune-structured=0.5"))
                    return value.toObject();
            return QJsonObject();
        };
        // A run of the same file, profiled before anything was measured: the prior.
        const CliResult profiled = runCli({ QStringLiteral("profile"), demo, QStringLiteral("--input"),
            QStringLiteral("32x64:float32:0..16"), QStringLiteral("--json"), QStringLiteral("--db"), db });
        QCOMPARE(profiled.exitCode, 0);
        const qint64 earlier = qint64(profiled.json().value(QStringLiteral("run_id")).toDouble());
        const double prior = pruningAdvice(earlier).value(QStringLiteral("expected_accuracy_loss")).toDouble();

        const CliResult optimized = runCli({ QStringLiteral("optimize"), demo, QStringLiteral("--input"),
            QStringLiteral("32x64:float32:0..16"), QStringLiteral("--apply"), QStringLiteral("prune-structured=0.50:l1"),
            QStringLiteral("--distill"), QStringLiteral("demo-digits"), QStringLiteral("--epochs"), QStringLiteral("4"),
            QStringLiteral("--profile"), QStringLiteral("--out"), m_dir.filePath(QStringLiteral("measured.pt")),
            QStringLiteral("--json"), QStringLiteral("--db"), db });
        QCOMPARE(optimized.exitCode, 0);
        const QJsonObject record = optimized.json();
        const QJsonArray steps = record.value(QStringLiteral("accuracy_by_step")).toArray();
        QCOMPARE(steps.size(), 3);
        const double lost = steps[0].toObject().value(QStringLiteral("accuracy")).toDouble()
            - steps[1].toObject().value(QStringLiteral("accuracy")).toDouble();
        const qint64 optimizedRun = qint64(record.value(QStringLiteral("optimized_run_id")).toDouble());

        // Every run of the same model now gets the measurement, whichever run measured it.
        for (const qint64 run : { earlier, qint64(record.value(QStringLiteral("baseline_run_id")).toDouble()) }) {
            const QJsonObject advice = pruningAdvice(run);
            qInfo("run %lld, prune-structured=0.5: expected accuracy loss %.3f (prior %.3f, measured %.3f)", run,
                advice.value(QStringLiteral("expected_accuracy_loss")).toDouble(), prior, lost);
            QVERIFY(std::abs(advice.value(QStringLiteral("expected_accuracy_loss")).toDouble() - lost) < 1e-9);
            const QString text = advice.value(QStringLiteral("risk_text")).toString();
            QVERIFY2(text.contains(QStringLiteral("measured by run #%1").arg(optimizedRun)) && text.contains(QStringLiteral("once distilled")),
                qPrintable(text));
        }
        QVERIFY(std::abs(prior - lost) > 0.01); // the measurement did change the advice
        // Another model's advice keeps its priors.
        const CliResult other = runCli({ QStringLiteral("profile"), fixture(QStringLiteral("mlp")), QStringLiteral("--input"),
            QStringLiteral("8x64"), QStringLiteral("--json"), QStringLiteral("--db"), db });
        for (const QJsonValue& value : adviceOf(qint64(other.json().value(QStringLiteral("run_id")).toDouble()), db))
            QVERIFY(!value.toObject().value(QStringLiteral("risk_text")).toString().contains(QStringLiteral("measured")));
    }

private:
    QString database() const { return m_dir.filePath(QStringLiteral("runs.sqlite")); }
    QTemporaryDir m_dir;
    qint64 m_baselineRun = -1;
    qint64 m_advisedRun = -1;
};

QTEST_GUILESS_MAIN(TestAdviseCli)
#include "tst_advise_cli.moc"
