// memoscope-cli import on traces written by hand, as another tool would write them (README "The trace format"):
// the run it stores and its figures, the same JSON as `show`; bad, damaged and foreign files exit with 2 and store
// nothing; a recording cut short is stored as failed, never as complete; devices and ranks become groups.

#include "support/TestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

namespace {
const char* const header
    = R"({"format":"memoscope-trace","version":1,"torch":"1.13.1","threads":2,"rank":null,"world_size":null,"name":"handmade"})";

// A training iteration of a two-layer model: 1000 bytes of weights set up, an input, two activations, the loss,
// the gradients and a temporary in the optimizer step.
QStringList iteration()
{
    return {
        R"({"type":"layer","id":0,"path":"","kind":"Net","parent":-1,"pseudo":false,"param_count":250,"param_bytes":0})",
        R"({"type":"layer","id":1,"path":"fc1","kind":"Linear","parent":0,"pseudo":false,"param_count":200,"param_bytes":800})",
        R"({"type":"layer","id":2,"path":"fc2","kind":"Linear","parent":0,"pseudo":false,"param_count":50,"param_bytes":200})",
        R"({"type":"layer","id":3,"path":"<loss>","kind":"cross_entropy","parent":-1,"pseudo":true,"param_count":0,"param_bytes":0})",
        R"({"type":"op","id":0,"name":"aten::randn"})",
        R"({"type":"op","id":1,"name":"aten::linear"})",
        R"({"type":"op","id":2,"name":"aten::cross_entropy_loss"})",
        R"({"type":"op","id":3,"name":"AddmmBackward0"})",
        R"({"type":"config","model_class":"handmade.Net","optimizers":["SGD"],"learning_rate":0.1,"inputs":["4x50:float32"]})",
        R"(["a",0,800,10,-1,1,"setup","parameter","cpu"])",
        R"(["a",0,200,11,-1,2,"setup","parameter","cpu"])",
        R"(["a",100,100,12,0,-1,"input","input","cpu"])",
        R"(["a",200,400,13,1,1,"forward","activation","cpu"])",
        R"(["a",300,200,14,1,2,"forward","activation","cpu"])",
        R"(["a",400,4,15,2,3,"loss","output","cpu"])",
        R"(["f",500,15])",
        R"(["a",600,800,16,3,1,"backward","gradient","cpu"])",
        R"(["a",650,200,17,3,2,"backward","gradient","cpu"])",
        R"(["f",700,13])",
        R"(["f",710,14])",
        R"(["a",800,300,18,-1,-1,"optimizer","temporary","cpu"])",
        R"(["f",900,18])",
        R"(["f",950,16])",
        R"(["f",960,17])",
        R"(["f",970,12])",
        R"(["o",1,1,"forward",150,250])",
        R"(["o",1,2,"forward",260,350])",
        R"(["o",3,1,"backward",550,620])",
        R"({"type":"phase","phase":"input","iteration":0,"start_ns":0,"end_ns":150})",
        R"({"type":"phase","phase":"forward","iteration":0,"start_ns":150,"end_ns":380})",
        R"({"type":"phase","phase":"loss","iteration":0,"start_ns":380,"end_ns":540})",
        R"({"type":"phase","phase":"backward","iteration":0,"start_ns":540,"end_ns":760})",
        R"({"type":"phase","phase":"optimizer","iteration":0,"start_ns":760,"end_ns":980})",
    };
}
// Setup 1000 + input 100 + activations 600 + gradients 1000 = 2700 just after the second gradient; the loss (4)
// is gone by then and the optimizer's 300 comes after both activations are freed.
constexpr qint64 expectedPeak = 2700;
constexpr qint64 expectedAllocated = 100 + 400 + 200 + 4 + 800 + 200 + 300;
const char* const endRecord
    = R"({"type":"end","status":"complete","error":null,"events":16,"iterations":1,"unmatched_frees":0})";
}

class TestTraceImport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void importsAHandWrittenTrace()
    {
        const QString trace
            = write(QStringLiteral("good.mtrace"), QStringList { header } + iteration() + QStringList { endRecord });
        const QString db = freshDb();
        const CliResult imported = runCli({ "import", trace, "--db", db, "--json" });
        QCOMPARE(imported.exitCode, 0);
        const QJsonObject run = imported.json();
        QCOMPARE(run["status"].toString(), QString("complete"));
        QCOMPARE(run["source"].toString(), QString("recorded in process"));
        QCOMPARE(run["config"].toObject()["model_class"].toString(), QString("handmade.Net"));
        QCOMPARE(run["mode"].toString(), QString("train"));
        QCOMPARE(run["name"].toString(), QString("handmade"));
        QCOMPARE(qint64(run["peak_bytes"].toDouble()), expectedPeak);
        QCOMPARE(qint64(run["total_allocated_bytes"].toDouble()), expectedAllocated);
        const QJsonObject atPeak = run["categories_at_peak"].toObject();
        QCOMPARE(qint64(atPeak["parameter"].toDouble()), qint64(1000));
        QCOMPARE(qint64(atPeak["gradient"].toDouble()), qint64(1000));
        QCOMPARE(qint64(atPeak["activation"].toDouble()), qint64(600));
        QCOMPARE(qint64(atPeak["input"].toDouble()), qint64(100));
        QCOMPARE(run["peak_layer"].toString(), QString("fc2"));
        QCOMPARE(run["peak_phase"].toString(), QString("backward"));
        QCOMPARE(run["libtorch_version"].toString(), QString("1.13.1"));
        QCOMPARE(run["threads"].toInt(), 2);
        QStringList paths;
        for (const QJsonValue& layer : run["layers"].toArray())
            paths << layer.toObject()["path"].toString();
        QCOMPARE(paths, QStringList({ "", "fc1", "fc2", "<loss>" }));
        // The op spans give the layers their time, as the engine counts it.
        QCOMPARE(run["layers"].toArray()[1].toObject()["self"].toObject()["backward_ms"].toDouble(), 70e-6);

        const CliResult shown = runCli({ "show", QString::number(run["run_id"].toInt()), "--db", db, "--json" });
        QCOMPARE(shown.exitCode, 0);
        QCOMPARE(shown.json(), run); // import prints what show prints
        const CliResult text = runCli({ "show", QString::number(run["run_id"].toInt()), "--db", db });
        QVERIFY2(text.out.contains("Recorded in process: handmade.Net, SGD"), qPrintable(text.out));
    }

    void badFilesStoreNothing_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("message");
        const QByteArray good
            = (QStringList { header } + iteration() + QStringList { endRecord }).join('\n').toUtf8() + '\n';
        QTest::newRow("empty") << QByteArray() << "is empty, not a Memoscope trace";
        QTest::newRow("foreign") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) << "is not a Memoscope trace";
        QTest::newRow("other JSON") << QByteArray("{\"traceEvents\":[]}\n") << "is not a Memoscope trace";
        QTest::newRow("newer version") << QByteArray(R"({"format":"memoscope-trace","version":7})"
                                                     "\n")
                                       << "trace format version 7";
        QTest::newRow("header cut short") << QByteArray(header).left(30) << "is not a Memoscope trace";
        QTest::newRow("header only") << QByteArray(header) + '\n' << "ends before its first events were written";
        QTest::newRow("failed before any event") << QByteArray(header) + "\n"
                + R"({"type":"end","status":"failed","error":"memoscope_record failed: X","events":0})"
                  "\n"
                                                 << "holds no events: memoscope_record failed: X";
        QByteArray garbled = good;
        garbled.replace(R"(["f",500,15])", R"(["f",500,15)");
        QTest::newRow("garbled line") << garbled << "line 17: not a JSON array";
        QByteArray unknownFree = good;
        unknownFree.replace(R"(["f",500,15])", R"(["f",500,99])");
        QTest::newRow("free of nothing") << unknownFree << "a free of allocation 99, which is not allocated";
        QByteArray unknownLayer = good;
        unknownLayer.replace(R"(["a",100,100,12,0,-1,)", R"(["a",100,100,12,0,9,)");
        QTest::newRow("undefined layer") << unknownLayer << "before the trace defines it";
        QByteArray backwards = good;
        backwards.replace(R"(["a",800,300,)", R"(["a",8,300,)");
        QTest::newRow("out of time order") << backwards << "events must be in time order";
        QByteArray miscounted = good;
        miscounted.replace(R"("events":16)", R"("events":40)");
        QTest::newRow("end miscounts") << miscounted << "its end record counts 40 events, the file holds 16";
        QTest::newRow("after the end") << good
                + R"(["a",990,8,30,-1,-1,"optimizer","temporary","cpu"])"
                  "\n"
                                       << "more records after the end record";
        QByteArray unknownCategory = good;
        unknownCategory.replace(R"("optimizer","temporary")", R"("optimizer","scratch")");
        QTest::newRow("unknown category") << unknownCategory << "unknown phase 'optimizer' or category 'scratch'";
    }

    void badFilesStoreNothing()
    {
        QFETCH(QByteArray, contents);
        QFETCH(QString, message);
        const QString trace = writeBytes(QStringLiteral("bad.mtrace"), contents);
        const QString db = freshDb();
        const CliResult imported = runCli({ "import", trace, "--db", db });
        QCOMPARE(imported.exitCode, 2);
        QVERIFY2(imported.err.contains(message), qPrintable(imported.err));
        QCOMPARE(imported.err.trimmed().count('\n'), 0); // one line
        QVERIFY(imported.out.isEmpty());
        QCOMPARE(runCli({ "runs", "--db", db, "--json" }).out.trimmed(), QString("[\n]"));
    }

    void aRecordingCutShortIsStoredAsFailed()
    {
        // A killed process: no end record, and its last line half written.
        QStringList lines = QStringList { header } + iteration();
        const QString cut = lines.join('\n') + QStringLiteral("\n[\"a\",990,8");
        const QString trace = writeBytes(QStringLiteral("killed.mtrace"), cut.toUtf8());
        const QString db = freshDb();
        const CliResult imported = runCli({ "import", trace, "--db", db, "--json" });
        QCOMPARE(imported.exitCode, 3);
        QVERIFY2(imported.err.contains("imported as failed"), qPrintable(imported.err));
        const QJsonObject run = imported.json();
        QCOMPARE(run["status"].toString(), QString("failed"));
        QVERIFY2(run["error"].toString().contains("the recording was cut short"), qPrintable(run["error"].toString()));
        QCOMPARE(qint64(run["peak_bytes"].toDouble()), expectedPeak); // what was written still counts
        const QJsonArray runs = QJsonDocument::fromJson(runCli({ "runs", "--db", db, "--json" }).out.toUtf8()).array();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs[0].toObject()["status"].toString(), QString("failed"));
    }

    void aFailedProgramIsStoredAsFailed()
    {
        const QString failedEnd = QString(endRecord).replace(
            R"("status":"complete","error":null)", R"("status":"failed","error":"RuntimeError: CUDA out of memory")");
        const QString trace
            = write(QStringLiteral("raised.mtrace"), QStringList { header } + iteration() + QStringList { failedEnd });
        const CliResult imported = runCli({ "import", trace, "--db", freshDb(), "--json" });
        QCOMPARE(imported.exitCode, 3);
        QCOMPARE(imported.json()["status"].toString(), QString("failed"));
        QCOMPARE(imported.json()["error"].toString(), QString("RuntimeError: CUDA out of memory"));
    }

    void eachDeviceIsItsOwnRun()
    {
        // A recording on a machine with a GPU (written by hand: none here): CUDA memory has its own peak.
        QStringList lines = QStringList { header } + iteration();
        lines << R"(["a",960,5000,40,-1,1,"forward","activation","cuda:0"])"
              << R"(["f",975,40])";
        lines << QString(endRecord).replace(R"("events":16)", R"("events":18)");
        const QString db = freshDb();
        const CliResult imported
            = runCli({ "import", write(QStringLiteral("gpu.mtrace"), lines), "--db", db, "--json" });
        QCOMPARE(imported.exitCode, 0);
        const QJsonArray runs = QJsonDocument::fromJson(imported.out.toUtf8()).array();
        QCOMPARE(runs.size(), 2);
        const QJsonObject cpu = runs[0].toObject(), gpu = runs[1].toObject();
        QCOMPARE(qint64(cpu["peak_bytes"].toDouble()), expectedPeak);
        QCOMPARE(qint64(gpu["peak_bytes"].toDouble()), qint64(5000));
        QCOMPARE(gpu["config"].toObject()["device"].toString(), QString("cuda:0"));
        QVERIFY(!cpu["config"].toObject()["group"].toString().isEmpty());
        QCOMPARE(cpu["config"].toObject()["group"], gpu["config"].toObject()["group"]);
    }

    void ranksOfOneJobAreOneGroup()
    {
        const QString db = freshDb();
        const QString rank0 = write(QStringLiteral("step.rank0.mtrace"), rankTrace(0, 2));
        const QString rank1 = write(QStringLiteral("step.rank1.mtrace"), rankTrace(1, 2));
        const CliResult imported = runCli({ "import", rank0, rank1, "--db", db, "--json", "--name", "ddp" });
        QCOMPARE(imported.exitCode, 0);
        const QJsonArray runs = QJsonDocument::fromJson(imported.out.toUtf8()).array();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[0].toObject()["name"].toString(), QString("ddp rank 0"));
        QCOMPARE(runs[1].toObject()["config"].toObject()["rank"].toInt(), 1);
        QCOMPARE(runs[1].toObject()["config"].toObject()["world_size"].toInt(), 2);
        QCOMPARE(runs[0].toObject()["config"].toObject()["group"], runs[1].toObject()["config"].toObject()["group"]);

        // Two traces of one rank, or traces that are not ranks: refused, nothing stored.
        const QString db2 = freshDb();
        const CliResult twice
            = runCli({ "import", rank0, write(QStringLiteral("again.rank0.mtrace"), rankTrace(0, 2)), "--db", db2 });
        QCOMPARE(twice.exitCode, 2);
        QVERIFY2(twice.err.contains("are both rank 0"), qPrintable(twice.err));
        const QString plain
            = write(QStringLiteral("plain.mtrace"), QStringList { header } + iteration() + QStringList { endRecord });
        const CliResult mixed = runCli({ "import", rank0, plain, "--db", db2 });
        QCOMPARE(mixed.exitCode, 2);
        QVERIFY2(mixed.err.contains("plain.mtrace is not a rank of a distributed job"), qPrintable(mixed.err));
        QCOMPARE(runCli({ "runs", "--db", db2, "--json" }).out.trimmed(), QString("[\n]"));
    }

private:
    QStringList rankTrace(int rank, int world)
    {
        QString rankHeader = QString(header);
        rankHeader.replace(R"("rank":null,"world_size":null)",
            QStringLiteral("\"rank\":%1,\"world_size\":%2,\"job\":\"j1\"").arg(rank).arg(world));
        return QStringList { rankHeader } + iteration() + QStringList { endRecord };
    }

    QString write(const QString& name, const QStringList& lines)
    {
        return writeBytes(name, (lines.join('\n') + '\n').toUtf8());
    }

    QString writeBytes(const QString& name, const QByteArray& bytes)
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(file.fileName()));
        file.write(bytes);
        return file.fileName();
    }

    QString freshDb() { return m_dir.filePath(QStringLiteral("runs%1.sqlite").arg(++m_dbs)); }

    QTemporaryDir m_dir;
    int m_dbs = 0;
};

QTEST_GUILESS_MAIN(TestTraceImport)
#include "tst_trace_import.moc"
