// memoscope-cli on bad input and failing models: each exit code with its one clear message, the run stored
// with its status, and a run whose process dies never listed as complete.

#include "support/TestSupport.h"

#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

class TestCliErrors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void badInputExitsWithTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString mlp = fixture(QStringLiteral("mlp"));
        QTest::newRow("missing model") << QStringList { "profile", "/nonexistent/model.pt", "--input", "8x64" }
                                       << "model file /nonexistent/model.pt does not exist";
        QTest::newRow("not TorchScript") << QStringList { "profile", sourcePath("tests/fixtures/README.md"), "--input", "8x64" }
                                         << "is not a TorchScript model";
        QTest::newRow("malformed spec") << QStringList { "profile", mlp, "--input", "8xAx3" } << "is not a shape";
        QTest::newRow("no input") << QStringList { "profile", mlp } << "no --input given";
        QTest::newRow("unknown option") << QStringList { "profile", mlp, "--input", "8x64", "--colour" }
                                        << "Unknown option 'colour'";
        QTest::newRow("bad mode") << QStringList { "profile", mlp, "--input", "8x64", "--mode", "fast" }
                                  << "--mode must be inference or train";
        QTest::newRow("bad limit") << QStringList { "profile", mlp, "--input", "8x64", "--memory-limit", "lots" }
                                   << "--memory-limit must be a size in bytes";
        QTest::newRow("inputs that do not fit")
            << QStringList { "profile", mlp, "--input", "8x65" }
            << "the model's first forward pass failed with inputs 8x65:float32: RuntimeError: mat1 and mat2 shapes cannot be "
               "multiplied (8x65 and 64x128)";
        const QString resnet = fixture(QStringLiteral("resnet18"));
        const QStringList train { "--input", "2x3x32x32", "--mode", "train" };
        QTest::newRow("checkpoint names no module")
            << QStringList { "profile", resnet } + train + QStringList { "--checkpoint", "layer9" }
            << "--checkpoint layer9 names no module of this model";
        QTest::newRow("checkpoint across an int") << QStringList {
            "profile", fixture("checkpoint_blocks"), "--input", "8x32", "--mode", "train", "--checkpoint", "repeat"
        } << "--checkpoint repeat cannot be checkpointed: its forward takes `times` of type int";
        QTest::newRow("budget below the parameters")
            << QStringList { "profile", resnet } + train + QStringList { "--checkpoint", "budget=10M" }
            << "--checkpoint budget=10M is below what the model's parameters alone need (44.6 MiB)";
        QTest::newRow("malformed budget")
            << QStringList { "profile", resnet } + train + QStringList { "--checkpoint", "budget=lots" }
            << "--checkpoint budget= needs a size in bytes";
        QTest::newRow("checkpoint in inference") << QStringList { "profile", mlp, "--input", "8x64", "--checkpoint",
            "auto" } << "--checkpoint only makes sense with --mode train";
        QTest::newRow("amp fp16") << QStringList { "profile", mlp, "--input", "8x64", "--mode", "train", "--amp",
            "fp16" } << "--amp fp16 is not offered: this CPU build of LibTorch has no float16 kernels";
        QTest::newRow("stream without data") << QStringList { "profile", mlp, "--input", "8x64", "--stream" }
                                             << "--stream and --in-memory say how to read --data";
        QTest::newRow("missing data") << QStringList { "profile", mlp, "--mode", "train", "--data", "/nonexistent.csv" }
                                      << "data set /nonexistent.csv does not exist";
        QTest::newRow("sweep of one batch size") << QStringList { "sweep-batch", mlp, "--input", "8x64", "--batches",
            "4,4" } << "--batches needs at least two different batch sizes";
        QTest::newRow("sweep without a batch dimension") << QStringList { "sweep-batch", mlp, "--input", "8x64",
            "--batches", "x" } << "--batches must list whole numbers";
        QTest::newRow("missing run") << QStringList { "show", "4242" } << "there is no run 4242";
        QTest::newRow("unknown command") << QStringList { "profiel" } << "unknown command 'profiel'";
    }
    void badInputExitsWithTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const CliResult result = runCli(arguments + QStringList { "--db", database() });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0); // one message
    }

    void optimizeRefusesBadInputAndWritesNothing_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString demo = sourcePath("resources/demo/digits_cnn.pt");
        const QStringList common { "optimize", demo, "--input", "32x64:float32:0..16" };
        QTest::newRow("unknown technique") << common + QStringList { "--apply", "int3" } << "unknown --apply 'int3'";
        QTest::newRow("exclude names no layer")
            << common + QStringList { "--apply", "bf16", "--exclude", "conv9" } << "--exclude conv9 names no layer";
        QTest::newRow("calibration of the wrong shape")
            << QStringList { "optimize", fixture("resnet18"), "--input", "2x3x32x32", "--apply", "int8-static",
                   "--calibration", "demo-digits" }
            << "64 values";
        QTest::newRow("no input") << QStringList { "optimize", demo, "--apply", "bf16" } << "--input is needed";
        QTest::newRow("bf16 with int8")
            << common + QStringList { "--apply", "bf16", "--apply", "int8-dynamic" } << "bf16 and int8-dynamic do not combine";
    }
    void optimizeRefusesBadInputAndWritesNothing()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString out = m_dir.filePath(QStringLiteral("optimized.pt"));
        const CliResult result = runCli(arguments + QStringList { "--out", out });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(!QFile::exists(out));
        QVERIFY(QDir(m_dir.path()).entryList({ QStringLiteral("*.part") }).isEmpty());
    }

    void inputsThatDoNotFitAreStoredAsFailed()
    {
        const CliResult result = runCli({ "profile", fixture("mlp"), "--input", "8x65", "--json", "--db", database() });
        QCOMPARE(result.exitCode, 2);
        const QJsonObject run = result.json();
        QCOMPARE(run.value("status").toString(), QStringLiteral("failed"));
        QVERIFY(run.value("error").toString().contains(QStringLiteral("mat1 and mat2")));
    }

    void modelFailingLaterExitsWithThree()
    {
        const CliResult result = runCli({ "profile", fixture("fails_later"), "--input", "2x4", "--warmup", "1",
            "--iterations", "3", "--json", "--db", database() });
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(result.err.contains(QStringLiteral("the model failed in iteration 2, forward phase: RuntimeError: "
                                                    "fails_later fixture: failing on purpose after two calls")),
            qPrintable(result.err));
        QCOMPARE(result.json().value("status").toString(), QStringLiteral("failed"));
    }

    void memoryLimitExitsWithFour()
    {
        const CliResult result = runCli({ "profile", fixture("mlp"), "--input", "8x64", "--mode", "train", "--warmup",
            "0", "--memory-limit", "100K", "--json", "--db", database() });
        QCOMPARE(result.exitCode, 4);
        QVERIFY2(result.err.contains(QStringLiteral("out of memory: the run reached --memory-limit 102400 bytes")),
            qPrintable(result.err));
        const QJsonObject run = result.json();
        QCOMPARE(run.value("status").toString(), QStringLiteral("oom"));
        const QJsonObject oom = run.value("out_of_memory").toObject();
        // Parameters (67 KiB) fit; their gradients (another 67 KiB) do not.
        QCOMPARE(oom.value("phase").toString(), QStringLiteral("backward"));
        QVERIFY(!oom.value("layer").toString().isEmpty());
        QCOMPARE(oom.value("limit_bytes").toDouble(), 102400.0);
        const double parameters = oom.value("live_by_category").toObject().value("parameter").toDouble();
        QVERIFY(parameters >= 68904.0 && parameters < 68904.0 + 16 * 1024);
    }

    // The warm-up runs under the limit too (it allocates what the measured iterations will): reached there, the
    // limit still names the layer, the phase and what was alive.
    void memoryLimitInTheWarmupNamesTheLayer()
    {
        const CliResult result = runCli({ "profile", fixture("mlp"), "--input", "8x64", "--mode", "train",
            "--memory-limit", "100K", "--json", "--db", database() });
        QCOMPARE(result.exitCode, 4);
        const QJsonObject oom = result.json().value("out_of_memory").toObject();
        QCOMPARE(oom.value("phase").toString(), QStringLiteral("backward"));
        QVERIFY(!oom.value("layer").toString().isEmpty());
        QVERIFY(oom.value("live_by_category").toObject().value("parameter").toDouble() >= 68904.0);
    }

    void crashingModelLeavesAFailedRun()
    {
        const CliResult result = runCli({ "profile", fixture("aborting"), "--input", "2x4", "--db", database() });
        QVERIFY(!result.crashed); // the worker child crashed; the command said so (see tst_cli_files)
        QCOMPARE(result.exitCode, 3);
        const CliResult runs = runCli({ "runs", "--json", "--db", database() });
        QCOMPARE(runs.exitCode, 0);
        const QJsonObject newest = QJsonDocument::fromJson(runs.out.toUtf8()).array().first().toObject();
        QVERIFY(newest.value("model").toString().endsWith(QStringLiteral("aborting.pt")));
        QCOMPARE(newest.value("status").toString(), QStringLiteral("failed"));
        QVERIFY(newest.value("error").toString().contains(QStringLiteral("crashed the worker process")));
    }

    void runKilledMidwayIsNotComplete()
    {
        QProcess worker;
        worker.setReadChannel(QProcess::StandardError); // progress arrives on stderr
        worker.start(cliPath(), { "profile", fixture("resnet18"), "--input", "8x3x224x224", "--mode", "train",
                                    "--iterations", "100", "--progress", "--db", database() });
        qint64 runId = -1;
        QByteArray progress;
        while (worker.waitForReadyRead(60000)) {
            progress += worker.readAll();
            if (progress.contains("\"stage\":\"measuring\"")) {
                const QJsonObject first = QJsonDocument::fromJson(progress.split('\n').first()).object();
                runId = qint64(first.value("run_id").toDouble());
                break;
            }
        }
        QVERIFY2(runId > 0, progress.constData());
        worker.kill(); // SIGKILL: nothing in the worker gets to clean up
        worker.waitForFinished();
        const CliResult shown = runCli({ "show", QString::number(runId), "--json", "--db", database() });
        QCOMPARE(shown.exitCode, 0);
        QCOMPARE(shown.json().value("status").toString(), QStringLiteral("failed"));
        QCOMPARE(shown.json().value("event_count").toDouble(), 0.0);
    }

private:
    QString database() const { return m_dir.filePath(QStringLiteral("runs.sqlite")); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliErrors)
#include "tst_cli_errors.moc"
