// memoscope_record inside Debian's python3 (torch 1.13), imported with memoscope-cli import: the same step recorded
// in Python and profiled by Memoscope's LibTorch engine from the scripted model gives the same figures; a model
// TorchScript cannot compile records and shows its layers; regions, failures and killed processes.

#include "support/TestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

namespace {
constexpr double mib = 1024.0 * 1024.0;

QString recorderTest(const QString& name) { return sourcePath(QStringLiteral("tests/recorder/") + name); }

QStringList layerPaths(const QJsonObject& run)
{
    QStringList paths;
    for (const QJsonValue& layer : run["layers"].toArray())
        if (!layer.toObject()["pseudo"].toBool())
            paths << layer.toObject()["path"].toString();
    return paths;
}

// The acceptance of a recorded run against the engine's run of the same step.
void compareWithEngine(const QJsonObject& engine, const QJsonObject& recorded)
{
    const double total = engine["total_allocated_bytes"].toDouble();
    const double peak = engine["peak_bytes"].toDouble();
    qInfo("total allocated: engine %.0f, recorded %.0f (%+.3f %%)", total, recorded["total_allocated_bytes"].toDouble(),
        (recorded["total_allocated_bytes"].toDouble() / total - 1) * 100);
    qInfo("peak: engine %.0f, recorded %.0f (%+.3f %%)", peak, recorded["peak_bytes"].toDouble(),
        (recorded["peak_bytes"].toDouble() / peak - 1) * 100);
    QVERIFY(std::abs(recorded["total_allocated_bytes"].toDouble() / total - 1) <= 0.01);
    QVERIFY(std::abs(recorded["peak_bytes"].toDouble() / peak - 1) <= 0.02);
    const QJsonObject engineAtPeak = engine["categories_at_peak"].toObject();
    const QJsonObject recordedAtPeak = recorded["categories_at_peak"].toObject();
    for (const QString& category : engineAtPeak.keys()) {
        const double a = engineAtPeak[category].toDouble(), b = recordedAtPeak[category].toDouble();
        qInfo("  %-16s engine %12.0f recorded %12.0f", qPrintable(category), a, b);
        QVERIFY2(std::abs(b - a) <= std::max(0.02 * a, mib), qPrintable(category));
    }
    const QStringList recordedLayers = layerPaths(recorded);
    for (const QString& path : layerPaths(engine))
        QVERIFY2(recordedLayers.contains(path), qPrintable(QStringLiteral("layer '%1' missing").arg(path)));
    QVERIFY(recorded["attributed_fraction"].toDouble() >= 0.99);
    QCOMPARE(recorded["status"].toString(), QString("complete"));
    QCOMPARE(recorded["source"].toString(), QString("recorded in process"));
}
}

class TestRecorder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void explainsItself()
    {
        const CliResult help = runPython({ "-m", "memoscope_record", "--help" });
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.out.contains("--out TRACE") && help.out.contains("memoscope_record.start()")
                && help.out.contains("step.rank0.mtrace"),
            qPrintable(help.out));
    }

    void sameStepAsTheEngine_data()
    {
        QTest::addColumn<QString>("fixtureName");
        QTest::addColumn<QStringList>("options");
        QTest::newRow("resnet18 training step, Adam, batch 8")
            << "resnet18"
            << QStringList { "--input", "8x3x224x224", "--labels", "8:int64:0..999", "--mode", "train", "--optimizer",
                   "adam", "--iterations", "1", "--warmup", "1" };
        QTest::newRow("transformer encoder inference")
            << "transformer" << QStringList { "--input", "4x32:int64:0..999", "--iterations", "2", "--warmup", "1" };
    }

    void sameStepAsTheEngine()
    {
        QFETCH(QString, fixtureName);
        QFETCH(QStringList, options);
        const QString db = m_dir.filePath(fixtureName + QStringLiteral(".sqlite"));
        const CliResult engine
            = runCli(QStringList { "profile", fixture(fixtureName), "--db", db, "--json" } + options);
        QVERIFY2(engine.exitCode == 0, qPrintable(engine.err));
        const QString trace = m_dir.filePath(fixtureName + QStringLiteral(".mtrace"));
        const CliResult recorded = runPython(
            QStringList { recorderTest("record_step.py"), "--fixture", fixtureName, "--out", trace } + options);
        QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
        const CliResult imported = runCli({ "import", trace, "--db", db, "--json" });
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        compareWithEngine(engine.json(), imported.json());
    }

    void recordsAModelTorchScriptCannotCompile()
    {
        // The whole script, with no model or optimizer named: the recorder finds them.
        const QString trace = m_dir.filePath(QStringLiteral("router.mtrace"));
        const CliResult recorded
            = runPython({ "-m", "memoscope_record", "--out", trace, recorderTest("programs.py"), "unscriptable" });
        QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
        QVERIFY2(recorded.out.contains("scripting failed"), qPrintable(recorded.out));
        const CliResult imported = runCli({ "import", trace, "--db", m_dir.filePath("router.sqlite"), "--json" });
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        const QJsonObject run = imported.json();
        QCOMPARE(run["config"].toObject()["model_class"].toString(), QString("__main__.Router"));
        QCOMPARE(run["mode"].toString(), QString("train"));
        QCOMPARE(run["iterations"].toInt(), 2);
        QVERIFY(run["attributed_fraction"].toDouble() >= 0.99);
        // The experts kept in a plain dict are layers, named by the attribute and key, and did their work there.
        QHash<QString, QJsonObject> layers;
        for (const QJsonValue& layer : run["layers"].toArray())
            layers.insert(layer.toObject()["path"].toString(), layer.toObject());
        for (const QString& path :
            { "stem", "experts.small", "experts.large", "experts.large.0", "experts.large.2", "head" }) {
            QVERIFY2(layers.contains(path), qPrintable(path));
            QVERIFY2(layers[path]["param_bytes"].toDouble() > 0, qPrintable(path));
            QVERIFY2(layers[path]["allocated_bytes"].toDouble() > 0, qPrintable(path));
        }
        QCOMPARE(layers["experts.large"]["parent"].toString(), QString(""));
        QCOMPARE(layers["experts.large.0"]["type"].toString(), QString("Linear"));
        // Gradients and momentum of the dict's experts are theirs too: SGD was given their parameters.
        QVERIFY(run["categories_at_peak"].toObject()["optimizer_state"].toDouble() >= run["param_bytes"].toDouble());
    }

    void recordsTheRegionAScriptChooses()
    {
        const QString trace = m_dir.filePath(QStringLiteral("region.mtrace"));
        const CliResult recorded
            = runPython({ "-m", "memoscope_record", "--out", trace, recorderTest("programs.py"), "region" });
        QVERIFY2(recorded.exitCode == 0, qPrintable(recorded.err));
        const CliResult imported = runCli({ "import", trace, "--db", m_dir.filePath("region.sqlite"), "--json" });
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        QCOMPARE(imported.json()["iterations"].toInt(), 3); // start()..stop(), not the whole script's 5
        QCOMPARE(imported.json()["name"].toString(), QString("middle steps"));
    }

    void aProgramThatRaisesIsAFailedRun()
    {
        const QString trace = m_dir.filePath(QStringLiteral("raises.mtrace"));
        const CliResult recorded = runPython({ recorderTest("programs.py"), "raises", trace });
        QVERIFY(recorded.exitCode != 0);
        const CliResult imported = runCli({ "import", trace, "--db", m_dir.filePath("raises.sqlite"), "--json" });
        QCOMPARE(imported.exitCode, 3);
        QCOMPARE(imported.json()["status"].toString(), QString("failed"));
        QVERIFY2(
            imported.json()["error"].toString().startsWith("RuntimeError: mat1 and mat2 shapes cannot be multiplied"),
            qPrintable(imported.json()["error"].toString()));
    }

    void aKilledRecordingNeverLooksComplete()
    {
        const QString trace = m_dir.filePath(QStringLiteral("killed.mtrace"));
        qputenv("MEMOSCOPE_RECORD_FLUSH_SECONDS", "0"); // a chunk at every step, then SIGKILL
        const CliResult recorded = runPython({ recorderTest("programs.py"), "killed", trace });
        qunsetenv("MEMOSCOPE_RECORD_FLUSH_SECONDS");
        QVERIFY(recorded.crashed);
        const QString db = m_dir.filePath("killed.sqlite");
        const CliResult imported = runCli({ "import", trace, "--db", db, "--json" });
        QCOMPARE(imported.exitCode, 3);
        const QJsonObject run = imported.json();
        QCOMPARE(run["status"].toString(), QString("failed"));
        QVERIFY2(run["error"].toString().contains("cut short"), qPrintable(run["error"].toString()));
        QVERIFY(run["event_count"].toDouble() > 0); // the chunks written before the kill
        QVERIFY(run["iterations"].toInt() >= 3);
    }

    void aFailingRecorderLeavesTheProgramAlone()
    {
        const QString trace = m_dir.filePath(QStringLiteral("broken.mtrace"));
        qputenv("MEMOSCOPE_RECORD_FLUSH_SECONDS", "0");
        const CliResult recorded = runPython({ recorderTest("programs.py"), "broken", trace });
        qunsetenv("MEMOSCOPE_RECORD_FLUSH_SECONDS");
        QCOMPARE(recorded.exitCode, 0);
        QVERIFY(recorded.out.contains("the program finished its 3 steps"));
        QVERIFY2(recorded.err.contains("memoscope_record stopped recording: ValueError"), qPrintable(recorded.err));
        const CliResult imported = runCli({ "import", trace, "--db", m_dir.filePath("broken.sqlite"), "--json" });
        QCOMPARE(imported.exitCode, 3);
        QCOMPARE(imported.json()["status"].toString(), QString("failed"));
        QVERIFY2(imported.json()["error"].toString().startsWith("memoscope_record failed: ValueError"),
            qPrintable(imported.json()["error"].toString()));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestRecorder)
#include "tst_recorder.moc"
