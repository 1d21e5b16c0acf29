// memoscope-cli never takes the machine down and says plainly what went wrong: a memory guard by default, an
// allocation that can never succeed is out of memory, --threads has a cap, stored paths work from any folder,
// and the messages the attack found confusing.

#include "support/TestSupport.h"

#include "core/Store.h"

#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

class TestCliLimits : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_demo = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));
    const QStringList m_demoInput { "--input", "32x64:float32:0..16", "--iterations", "1" };

    QString database() const { return m_dir.filePath(QStringLiteral("runs.sqlite")); }
    qint64 profileDemo(const QStringList& extra = {})
    {
        const CliResult result = runCli(
            QStringList { "profile", m_demo } + m_demoInput + extra + QStringList { "--json", "--db", database() });
        return result.exitCode == 0 ? qint64(result.json().value("run_id").toDouble(-1)) : -1;
    }
    QJsonObject configOf(qint64 runId) const
    {
        return runCli({ "show", QString::number(runId), "--json", "--db", database() })
            .json()
            .value("config")
            .toObject();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void memoryGuardIsOnByDefault()
    {
        const qint64 guarded = profileDemo();
        QVERIFY(guarded > 0);
        QVERIFY(configOf(guarded).value("memory_guard_bytes").toDouble() > 0);
        const CliResult shown = runCli({ "show", QString::number(guarded), "--db", database() });
        QVERIFY2(shown.out.contains(QStringLiteral("(guard: 80 % of the memory available at the start; --memory-limit "
                                                   "none lifts it)")),
            qPrintable(shown.out));
        const qint64 lifted = profileDemo({ "--memory-limit", "none" });
        QVERIFY(lifted > 0);
        QCOMPARE(configOf(lifted).value("memory_limit").toString(), QStringLiteral("none"));
        QVERIFY(!configOf(lifted).contains(QStringLiteral("memory_guard_bytes")));
        QVERIFY(runCli({ "show", QString::number(lifted), "--db", database() })
                    .out.contains(QStringLiteral("Memory limit: none")));
    }

    void allocationThatCanNeverSucceedIsOutOfMemory_data()
    {
        QTest::addColumn<QStringList>("limit");
        QTest::newRow("guard") << QStringList {};
        QTest::newRow("no limit") << QStringList { "--memory-limit", "none" };
    }
    void allocationThatCanNeverSucceedIsOutOfMemory()
    {
        QFETCH(QStringList, limit);
        const CliResult result = runCli(
            QStringList { "profile", fixture("huge_allocation"), "--input", "2x4", "--json", "--db", database() }
            + limit);
        QCOMPARE(result.exitCode, 4);
        QVERIFY2(result.err.contains(QStringLiteral("out of memory")), qPrintable(result.err));
        QVERIFY2(result.err.contains(QStringLiteral("in the forward phase")), qPrintable(result.err));
        const QJsonObject oom = result.json().value("out_of_memory").toObject();
        QCOMPARE(oom.value("layer").toString(), QStringLiteral("expand"));
        QCOMPARE(oom.value("phase").toString(), QStringLiteral("forward"));
        QCOMPARE(oom.value("requested_bytes").toDouble(), double(qint64(1) << 44));
        QCOMPARE(result.json().value("status").toString(), QStringLiteral("oom"));
    }

    void threadsHaveACap()
    {
        const int cap = 4 * QThread::idealThreadCount();
        for (const QString& threads : { QStringLiteral("100000"), QString::number(cap + 1), QStringLiteral("0") }) {
            const CliResult result = runCli(QStringList { "profile", m_demo } + m_demoInput
                + QStringList { "--threads", threads, "--db", database() });
            QCOMPARE(result.exitCode, 2);
            QVERIFY2(result.err.contains(QStringLiteral("--threads must be a whole number from 1 to %1").arg(cap)),
                qPrintable(result.err));
        }
        QVERIFY(profileDemo({ "--threads", QString::number(cap) }) > 0);
    }

    // A run profiled from a relative path can be run again from anywhere; a model that moved is found by its
    // contents, and one that is gone is named with where it was.
    void storedModelPathsWorkFromAnyFolder()
    {
        const QString folder = m_dir.filePath(QStringLiteral("models"));
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(QFile::copy(m_demo, folder + QStringLiteral("/digits.pt")));
        auto profileIn = [&](const QString& file) {
            QProcess process;
            process.setWorkingDirectory(folder);
            process.start(cliPath(),
                QStringList { "profile", file } + m_demoInput + QStringList { "--json", "--db", database() });
            process.waitForFinished(300000);
            return qint64(
                QJsonDocument::fromJson(process.readAllStandardOutput()).object().value("run_id").toDouble(-1));
        };
        const qint64 runId = profileIn(QStringLiteral("digits.pt"));
        QVERIFY(runId > 0);
        QCOMPARE(configOf(runId).value("model").toString(), folder + QStringLiteral("/digits.pt"));

        // Moved, and profiled from its new place: the earlier run finds it there by its sha256.
        QVERIFY(QFile::rename(folder + QStringLiteral("/digits.pt"), folder + QStringLiteral("/moved.pt")));
        QVERIFY(profileIn(QStringLiteral("moved.pt")) > 0);
        Store store(database());
        QString error;
        QCOMPARE(store.locateModelFile(store.load(runId, false)->model, &error), folder + QStringLiteral("/moved.pt"));

        // Gone, with no file of the same contents anywhere: said where it was.
        ModelInfo gone;
        gone.path = folder + QStringLiteral("/gone.pt");
        gone.sha256 = QStringLiteral("0123456789abcdef0123");
        QVERIFY(store.locateModelFile(gone, &error).isEmpty());
        QVERIFY2(error.contains(QStringLiteral("the model file %1/gone.pt no longer exists").arg(folder)),
            qPrintable(error));
    }

    void messagesSayWhatIsWrong_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("negative run id") << QStringList { "show", "-1" } << "'-1' is neither a run id";
        QTest::newRow("run id zero") << QStringList { "show", "0" } << "'0' is not a run id";
        QTest::newRow("--input without its value") << QStringList { "profile", m_demo, "--input" }
                                                   << "--input is missing its value: it is followed by the option --db";
        QTest::newRow("empty batch size") << QStringList { "sweep-batch", m_demo, "--input", "32x64", "--batches",
            "1,,2" } << "--batches must list whole numbers of at least 1";
        QTest::newRow("no layer rows") << QStringList { "compare", "1", "2", "--layers", "0" }
                                       << "--layers must be a whole number of at least 1, not '0'";
    }
    void messagesSayWhatIsWrong()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const CliResult result = runCli(arguments + QStringList { "--db", database() });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
    }

    void compareRefusesAFailedRun()
    {
        const qint64 complete = profileDemo();
        const CliResult failed = runCli({ "profile", m_demo, "--input", "32x65", "--json", "--db", database() });
        QCOMPARE(failed.exitCode, 2);
        const qint64 failedRun = qint64(failed.json().value("run_id").toDouble());
        const CliResult result
            = runCli({ "compare", QString::number(complete), QString::number(failedRun), "--db", database() });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QStringLiteral("run %1 is failed, not complete").arg(failedRun)),
            qPrintable(result.err));
        QVERIFY(!result.out.contains(QStringLiteral("-100 %")));
    }

    void adviseApplyChecksItsOutputFirst()
    {
        const qint64 runId = profileDemo();
        const CliResult result = runCli({ "advise", QString::number(runId), "--budget", "1K", "--apply", "--out",
            "/nonexistent/folder/advised.pt", "--db", database() });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QStringLiteral("the folder /nonexistent/folder does not exist")),
            qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0); // no progress line before it
    }

    void namesWithLineBreaksStayOnTheirLine()
    {
        QVERIFY(profileDemo({ "--name", "first\nsecond\tthird" }) > 0);
        const CliResult runs = runCli({ "runs", "--db", database() });
        QCOMPARE(runs.exitCode, 0);
        QVERIFY2(runs.out.contains(QStringLiteral("digits_cnn.pt / first\\nsecond\\tthird\n")), qPrintable(runs.out));
        for (const QString& line : runs.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            QVERIFY2(line.startsWith(QLatin1Char(' ')) || line.startsWith(QStringLiteral("id")), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TestCliLimits)
#include "tst_cli_limits.moc"
