// memoscope-cli and the files it is given: damaged model archives are refused before LibTorch reads them, and a
// --db that is not a Memoscope store (another program's SQLite file, random bytes, a truncated store, a folder)
// is refused at once with exit 2, byte for byte as it was. Commands that only read create nothing.

#include "archive/CraftedArchive.h"
#include "support/TestSupport.h"

#include "core/Schema.h"
#include "core/Sqlite.h"
#include "core/Store.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

class TestCliFiles : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_demo = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));

    QString path(const QString& name) const { return m_dir.filePath(name); }
    static QByteArray contentsOf(const QString& file)
    {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    int runCount(const QString& database) const
    {
        const CliResult runs = runCli({ "runs", "--json", "--db", database });
        return runs.exitCode == 0 ? int(QJsonDocument::fromJson(runs.out.toUtf8()).array().size()) : -1;
    }
    // A model file damaged in one of the ways the issue names, from the demo model.
    QString damagedModel(const QString& damage)
    {
        std::vector<CraftedRecord> records = recordsOf(m_demo);
        QByteArray zip;
        if (damage == QLatin1String("short record")) {
            recordNamed(records, QStringLiteral("/data/0")).bytes.truncate(8);
            zip = zipOf(records);
        } else if (damage == QLatin1String("flipped byte")) {
            zip = zipOf(records);
            const qint64 at = dataOffsetIn(zip, QStringLiteral("digits_cnn/data/1"));
            zip[at + 5] = char(zip[at + 5] ^ 0x01);
        } else if (damage == QLatin1String("truncated")) {
            zip = contentsOf(m_demo);
            zip.truncate(zip.size() * 2 / 3);
        } else {
            records.erase(std::find_if(records.begin(), records.end(),
                [](const CraftedRecord& r) { return r.name.endsWith(QStringLiteral("/data/2")); }));
            zip = zipOf(records);
        }
        const QString file = path(QString(damage).replace(QLatin1Char(' '), QLatin1Char('_')) + QStringLiteral(".pt"));
        writeBytes(file, zip);
        return file;
    }
    // Another program's database: a rollback-journal SQLite file with its own table and user_version.
    QString foreignDatabase(const QString& name)
    {
        const QString file = path(name);
        QFile::remove(file);
        Database db(file);
        db.exec("CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts(name) VALUES('Ada');"
                "PRAGMA user_version = 3;");
        return file;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void damagedModelsAreRefusedBeforeLoading_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("message");
        QTest::newRow("short record, profile")
            << "short record"
            << "profile"
            << "the record digits_cnn/data/0 holds 8 bytes, but data.pkl declares a FloatStorage";
        QTest::newRow("short record, optimize") << "short record"
                                                << "optimize"
                                                << "digits_cnn/data/0 holds 8 bytes";
        QTest::newRow("short record, sweep-batch") << "short record"
                                                   << "sweep-batch"
                                                   << "digits_cnn/data/0 holds 8 bytes";
        QTest::newRow("flipped byte") << "flipped byte"
                                      << "profile"
                                      << "the record digits_cnn/data/1 does not match its CRC-32";
        QTest::newRow("truncated") << "truncated"
                                   << "profile"
                                   << "cut short";
        QTest::newRow("missing record")
            << "missing record"
            << "profile"
            << "data.pkl refers to the record digits_cnn/data/2, which the archive does not have";
    }
    void damagedModelsAreRefusedBeforeLoading()
    {
        QFETCH(QString, damage);
        QFETCH(QString, command);
        QFETCH(QString, message);
        const QString model = damagedModel(damage);
        const QString database = path(QStringLiteral("damaged.sqlite"));
        const QString out = path(QStringLiteral("optimized.pt"));
        QStringList arguments { command, model, "--input", "32x64:float32:0..16", "--db", database };
        if (command == QLatin1String("optimize"))
            arguments << "--apply"
                      << "bf16"
                      << "--out" << out << "--profile";
        if (command == QLatin1String("sweep-batch"))
            arguments << "--batches"
                      << "1,2";
        const CliResult result = runCli(arguments);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(runCount(database), 0); // refused before a run was stored
        QVERIFY(!QFile::exists(out));
    }

    void crashingModelIsReportedAndStoredAsFailed()
    {
        const QString database = path(QStringLiteral("crash.sqlite"));
        const CliResult result = runCli({ "profile", fixture("aborting"), "--input", "2x4", "--db", database });
        QVERIFY2(!result.crashed, "the CLI itself died");
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(result.err.contains(QStringLiteral("the model crashed the worker process (signal 11")),
            qPrintable(result.err));
        QVERIFY2(result.err.contains(QStringLiteral("(stored as run 1, status failed)")), qPrintable(result.err));
        const CliResult shown = runCli({ "show", "1", "--json", "--db", database });
        QCOMPARE(shown.json().value("status").toString(), QStringLiteral("failed"));
        QVERIFY(shown.json().value("error").toString().contains(QStringLiteral("crashed the worker process")));
    }

    void anotherProgramsDatabaseIsLeftAlone_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("runs") << QStringList { "runs" };
        QTest::newRow("show") << QStringList { "show", "1" };
        QTest::newRow("compare") << QStringList { "compare", "1", "2" };
        QTest::newRow("report") << QStringList { "report", "1", "--out", path("r.html") };
        QTest::newRow("export") << QStringList { "export", "1", "--format", "csv", "--out", path("e.csv") };
        QTest::newRow("advise") << QStringList { "advise", "1" };
        QTest::newRow("profile") << QStringList { "profile", m_demo, "--input", "32x64:float32:0..16" };
        QTest::newRow("sweep-batch") << QStringList { "sweep-batch", m_demo, "--input", "32x64:float32:0..16",
            "--batches", "1,2" };
    }
    void anotherProgramsDatabaseIsLeftAlone()
    {
        QFETCH(QStringList, arguments);
        const QString theirs = foreignDatabase(QStringLiteral("theirs.sqlite"));
        const QByteArray before = contentsOf(theirs);
        const CliResult result = runCli(arguments + QStringList { "--db", theirs });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QStringLiteral("is another program's SQLite database (tables contacts)")),
            qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(contentsOf(theirs), before);
        QVERIFY(!QFile::exists(theirs + QStringLiteral("-wal")));
    }

    void filesThatAreNoDatabaseAreRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("random bytes") << "random"
                                      << "is not a SQLite database";
        QTest::newRow("truncated store") << "truncated"
                                         << "cannot be used as a run database";
        QTest::newRow("folder") << "folder"
                                << "is a folder, not a run database";
    }
    void filesThatAreNoDatabaseAreRefused()
    {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        QString file = path(kind + QStringLiteral(".sqlite"));
        if (kind == QLatin1String("random")) {
            QByteArray bytes(64 * 1024, '\0');
            for (int i = 0; i < bytes.size(); ++i)
                bytes[i] = char((i * 2654435761u) >> 13);
            writeBytes(file, bytes);
        } else if (kind == QLatin1String("truncated")) {
            // A real store with runs, cut to its first pages.
            const QString whole = path(QStringLiteral("whole.sqlite"));
            QCOMPARE(runCli({ "profile", m_demo, "--input", "32x64:float32:0..16", "--iterations", "1", "--db", whole })
                         .exitCode,
                0);
            {
                Store(whole).runs();
            } // checkpointed into the main file when the last connection closes
            writeBytes(file, contentsOf(whole).left(3 * 4096 + 100));
        } else {
            QVERIFY(QDir().mkpath(file));
        }
        const QByteArray before = contentsOf(file);
        for (const QStringList& command :
            { QStringList { "runs" }, QStringList { "profile", m_demo, "--input", "32x64:float32:0..16" } }) {
            const CliResult result = runCli(command + QStringList { "--db", file });
            QCOMPARE(result.exitCode, 2);
            QVERIFY2(result.err.contains(message), qPrintable(result.err));
            QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
            QCOMPARE(contentsOf(file), before);
        }
    }

    void readOnlyCommandsCreateNothing()
    {
        const QString missing = path(QStringLiteral("missing/runs.sqlite"));
        const CliResult runs = runCli({ "runs", "--json", "--db", missing });
        QCOMPARE(runs.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(runs.out.toUtf8()).array().size(), 0);
        for (const QStringList& command :
            { QStringList { "show", "1" }, QStringList { "compare", "1", "2" }, QStringList { "advise", "1" },
                QStringList { "export", "1", "--format", "json", "--out", path("x.json") },
                QStringList { "report", "1", "--out", path("x.html") } }) {
            const CliResult result = runCli(command + QStringList { "--db", missing });
            QCOMPARE(result.exitCode, 2);
            QVERIFY2(result.err.contains(QStringLiteral("there is no run 1")), qPrintable(result.err));
        }
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("missing"))));
        // An empty file (made by the user for Memoscope) is read as an empty store and stays empty.
        const QString empty = path(QStringLiteral("empty.sqlite"));
        writeBytes(empty, QByteArray());
        QCOMPARE(runCli({ "runs", "--db", empty }).exitCode, 0);
        QCOMPARE(QFileInfo(empty).size(), qint64(0));
        // A command that writes makes a store of it.
        QCOMPARE(runCli({ "profile", m_demo, "--input", "32x64:float32:0..16", "--iterations", "1", "--db", empty })
                     .exitCode,
            0);
        QCOMPARE(runCount(empty), 1);
    }

    // Decided: a command that only reads still upgrades an older Memoscope store (schema 1..4, made before stores
    // carried their application id), in one transaction that keeps its runs: otherwise it could not read them.
    void readOnlyCommandsUpgradeAnOlderMemoscopeStore()
    {
        const QString old = path(QStringLiteral("old.sqlite"));
        {
            Database db(old);
            migrate(db, 4);
            db.exec("INSERT INTO models(path, sha256, file_bytes, param_count, param_bytes, first_seen) "
                    "VALUES('/models/a.pt', 'abc', 1, 1, 4, '2026-01-01T00:00:00.000Z');"
                    "INSERT INTO runs(model_id, created_at, status, config_json) "
                    "VALUES(1, '2026-01-01T00:00:00.000Z', 'complete', '{\"mode\":\"inference\"}');");
        }
        const CliResult runs = runCli({ "runs", "--json", "--db", old });
        QCOMPARE(runs.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(runs.out.toUtf8()).array().first().toObject().value("model").toString(),
            QStringLiteral("/models/a.pt"));
        Database db(old);
        QCOMPARE(schemaVersion(db), latestSchemaVersion());
        Statement id(db.handle(), "PRAGMA application_id");
        QVERIFY(id.step());
        QCOMPARE(id.int64(0), qint64(0x4d454d4f));
    }

    // A run whose process died between committing its trace and recording its status keeps its events, counted.
    void reapedRunKeepsItsEventCount()
    {
        const QString database = path(QStringLiteral("reaped.sqlite"));
        qint64 runId = -1;
        {
            Store store(database);
            ModelInfo model;
            model.path = m_demo;
            model.sha256 = QStringLiteral("abc");
            runId = store.beginRun(store.recordModel(model), RunConfig {});
            RunTrace trace;
            for (int i = 0; i < 5; ++i)
                trace.events.push_back(Event { qint64(i), 64, i, -1, -1, Phase::Forward, Category::Activation });
            store.saveTrace(runId, trace, {});
        }
        {
            Database db(database); // the worker is gone: a pid no process has
            db.exec(QStringLiteral("UPDATE runs SET worker_pid = 999999999 WHERE id = %1").arg(runId));
        }
        for (const QStringList& command : { QStringList { "show", QString::number(runId), "--json" } }) {
            const CliResult shown = runCli(command + QStringList { "--db", database });
            QCOMPARE(shown.json().value("status").toString(), QStringLiteral("failed"));
            QCOMPARE(shown.json().value("event_count").toDouble(), 5.0);
        }
        Store store(database); // read-write: reaped for good, with its count
        QCOMPARE(store.run(runId)->eventCount, qint64(5));
        QCOMPARE(store.run(runId)->status, RunStatus::Failed);
    }
};

QTEST_GUILESS_MAIN(TestCliFiles)
#include "tst_cli_files.moc"
