// memoscope-cli export: the layer table as CSV, the run as JSON, the timeline as a Perfetto trace whose counter
// peaks at exactly the run's peak_bytes, the optimized model copied, and bad input refused with nothing written.

#include "OptimizedRuns.h"
#include "core/Analysis.h"
#include "core/export/PerfettoTrace.h"

#include <QDir>
#include <QFileDevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The counter samples of a Perfetto trace, per track name: (ts in us, bytes).
QHash<QString, QVector<std::pair<double, qint64>>> counters(const QJsonArray& events)
{
    QHash<QString, QVector<std::pair<double, qint64>>> tracks;
    for (const QJsonValue& value : events) {
        const QJsonObject event = value.toObject();
        if (event.value(QStringLiteral("ph")).toString() == QLatin1String("C"))
            tracks[event.value(QStringLiteral("name")).toString()].append(
                { event.value(QStringLiteral("ts")).toDouble(),
                    qint64(event.value(QStringLiteral("args")).toObject().value(QStringLiteral("bytes")).toDouble()) });
    }
    return tracks;
}

qint64 maximum(const QVector<std::pair<double, qint64>>& samples)
{
    qint64 highest = 0;
    for (const auto& sample : samples)
        highest = std::max(highest, sample.second);
    return highest;
}

// The value of the sample at `us` (timestamps are written with three decimals: compare to the ns).
std::optional<qint64> sampleAt(const QVector<std::pair<double, qint64>>& samples, double us)
{
    for (const auto& sample : samples)
        if (std::llround(sample.first * 1000) == std::llround(us * 1000))
            return sample.second;
    return std::nullopt;
}

} // namespace

class TestExports : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runs = makeOptimizedRuns(m_dir);
        QVERIFY2(m_runs.ok(), qPrintable(m_runs.error));
    }

    void jsonIsWhatShowPrints()
    {
        const QString out = m_dir.filePath(QStringLiteral("run.json"));
        const CliResult result = exportRun(m_runs.optimized, QStringLiteral("json"), out);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QJsonObject exported = QJsonDocument::fromJson(readAll(out)).object();
        QVERIFY(!exported.isEmpty());
        QCOMPARE(exported, shownRun(m_runs, m_runs.optimized));
        QVERIFY(exported.contains(QStringLiteral("optimization")));
    }

    void csvHasOneRowPerLayerWithItsFigures()
    {
        const QString out = m_dir.filePath(QStringLiteral("layers.csv"));
        const CliResult result = exportRun(m_runs.baseline, QStringLiteral("csv"), out);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QStringList lines = QString::fromUtf8(readAll(out)).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        const QJsonArray layers = shownRun(m_runs, m_runs.baseline).value(QStringLiteral("layers")).toArray();
        QVERIFY(layers.size() >= 3);
        QCOMPARE(lines.size(), layers.size() + 1); // a header, then a row per layer
        const QStringList header = lines.first().split(QLatin1Char(','));
        for (const char* column : { "layer", "type", "param_bytes", "peak_contribution_bytes", "allocated_bytes",
                 "self_peak_contribution_bytes", "forward_ms" })
            QVERIFY2(header.contains(QLatin1String(column)), column);
        const int peakColumn = int(header.indexOf(QStringLiteral("peak_contribution_bytes")));
        const int selfPeakColumn = int(header.indexOf(QStringLiteral("self_peak_contribution_bytes")));
        const int paramColumn = int(header.indexOf(QStringLiteral("param_bytes")));
        for (int i = 0; i < layers.size(); ++i) {
            const QStringList row = lines[i + 1].split(QLatin1Char(','));
            QCOMPARE(row.size(), header.size());
            const QJsonObject layer = layers[i].toObject();
            const QString path = layer.value(QStringLiteral("path")).toString();
            QCOMPARE(row[0], path.isEmpty() ? QStringLiteral("<root>") : path);
            QCOMPARE(row[peakColumn].toLongLong(),
                qint64(layer.value(QStringLiteral("peak_contribution_bytes")).toDouble()));
            QCOMPARE(row[paramColumn].toLongLong(), qint64(layer.value(QStringLiteral("param_bytes")).toDouble()));
            QCOMPARE(row[selfPeakColumn].toLongLong(),
                qint64(layer.value(QStringLiteral("self"))
                           .toObject()
                           .value(QStringLiteral("peak_contribution_bytes"))
                           .toDouble()));
        }
    }

    void perfettoCounterPeaksAtPeakBytes_data()
    {
        QTest::addColumn<bool>("optimized");
        QTest::newRow("original") << false;
        QTest::newRow("int8-dynamic") << true;
    }
    void perfettoCounterPeaksAtPeakBytes()
    {
        QFETCH(bool, optimized);
        const qint64 runId = optimized ? m_runs.optimized : m_runs.baseline;
        const QString out = m_dir.filePath(QStringLiteral("trace-%1.json").arg(runId));
        const CliResult result = exportRun(runId, QStringLiteral("perfetto"), out);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(readAll(out), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QCOMPARE(document.object().value(QStringLiteral("displayTimeUnit")).toString(), QStringLiteral("ns"));
        const QJsonArray events = document.object().value(QStringLiteral("traceEvents")).toArray();
        QVERIFY(!events.isEmpty());

        const QJsonObject run = shownRun(m_runs, runId);
        const qint64 peak = qint64(run.value(QStringLiteral("peak_bytes")).toDouble());
        const double peakUs = run.value(QStringLiteral("peak_time_ns")).toDouble() / 1000.0;
        QVERIFY(peak > 0);
        const auto tracks = counters(events);
        const auto total = tracks.value(totalCounterName());
        QVERIFY(!total.isEmpty());
        QCOMPARE(maximum(total), peak);
        QCOMPARE(sampleAt(total, peakUs), std::optional<qint64>(peak));
        QVERIFY(tracks.contains(QStringLiteral("live bytes: category parameter")));
        QVERIFY(tracks.contains(QStringLiteral("live bytes: category activation")));
        int layerTracks = 0;
        for (auto it = tracks.begin(); it != tracks.end(); ++it) {
            layerTracks += it.key().startsWith(QStringLiteral("live bytes: layer "));
            QCOMPARE(it.value().size(), total.size()); // every track samples the same moments
        }
        QVERIFY(layerTracks >= 2);

        int opSlices = 0;
        int phaseSlices = 0;
        for (const QJsonValue& value : events) {
            const QJsonObject event = value.toObject();
            if (event.value(QStringLiteral("ph")).toString() != QLatin1String("X"))
                continue;
            QVERIFY(event.value(QStringLiteral("dur")).toDouble() >= 0);
            if (event.value(QStringLiteral("cat")).toString() == QLatin1String("op")) {
                ++opSlices;
                QVERIFY(event.value(QStringLiteral("name")).toString().contains(QStringLiteral("::")));
                QVERIFY(event.value(QStringLiteral("args")).toObject().contains(QStringLiteral("layer")));
            } else if (event.value(QStringLiteral("cat")).toString() == QLatin1String("phase")) {
                ++phaseSlices;
            }
        }
        QVERIFY(opSlices > 0);
        QVERIFY(phaseSlices >= 3); // at least one span per measured iteration
    }

    // Level of detail: a long run comes out as a few thousand samples per track, and still with its peak.
    void perfettoReducesLongRunsWithoutLosingThePeak()
    {
        StoredRun run;
        run.summary.id = 7;
        RunTrace& trace = run.trace;
        trace.layers = { Layer { 0, QString(), QStringLiteral("Net"), -1, 0 },
            Layer { 1, QStringLiteral("a"), QStringLiteral("Linear"), 0, 1 },
            Layer { 2, QStringLiteral("b"), QStringLiteral("Linear"), 0, 1 } };
        trace.ops = { QStringLiteral("aten::linear") };
        trace.phases = { PhaseSpan { Phase::Forward, 0, 0, 2'000'000 } };
        QRandomGenerator random(42);
        std::vector<Event> live;
        qint32 id = 0;
        for (qint64 time = 0; time < 2'000'000; time += 10) {
            if (live.empty() || random.bounded(100) < 52) {
                const Category category = random.bounded(2) ? Category::Activation : Category::Temporary;
                const Event event { time, 64 + random.bounded(4096), id++, 0, qint32(1 + random.bounded(2)),
                    Phase::Forward, category };
                trace.events.push_back(event);
                live.push_back(event);
            } else {
                const size_t index = random.bounded(quint32(live.size()));
                Event free = live[index];
                free.timeNs = time;
                free.bytes = -free.bytes;
                trace.events.push_back(free);
                live.erase(live.begin() + qint64(index));
            }
        }
        const RunAnalysis analysis = analyzeTrace(trace);
        applyAnalysis(trace, analysis, &run.metrics);
        QVERIFY(run.metrics.peakBytes > 0);

        const QJsonDocument document = QJsonDocument::fromJson(perfettoTraceJson(run, 1000));
        const auto tracks = counters(document.object().value(QStringLiteral("traceEvents")).toArray());
        const auto total = tracks.value(totalCounterName());
        QVERIFY(total.size() > 500);
        QVERIFY(total.size() <= 1000);
        QVERIFY(trace.events.size() > 100 * size_t(total.size()));
        QCOMPARE(maximum(total), run.metrics.peakBytes);
        QCOMPARE(
            sampleAt(total, double(run.metrics.peakTimeNs) / 1000.0), std::optional<qint64>(run.metrics.peakBytes));
        for (const auto& samples : tracks)
            QVERIFY(samples.size() <= 1000);
    }

    void modelIsTheOptimizedFile()
    {
        const QString out = m_dir.filePath(QStringLiteral("exported.pt"));
        const CliResult result = exportRun(m_runs.optimized, QStringLiteral("model"), out);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        QVERIFY(!readAll(out).isEmpty());
        QCOMPARE(readAll(out), readAll(m_runs.optimizedModel));
    }

    void modelOfARunThatIsNotOptimizedIsRefused()
    {
        const QString out = m_dir.filePath(QStringLiteral("not-optimized.pt"));
        const CliResult result = exportRun(m_runs.baseline, QStringLiteral("model"), out);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QStringLiteral("is not a run of an optimized model")), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(!QFile::exists(out));
    }

    void modelThatIsGoneIsRefused()
    {
        const QString moved = m_runs.optimizedModel + QStringLiteral(".moved");
        QVERIFY(QFile::rename(m_runs.optimizedModel, moved));
        const QString out = m_dir.filePath(QStringLiteral("gone.pt"));
        const CliResult result = exportRun(m_runs.optimized, QStringLiteral("model"), out);
        QVERIFY(QFile::rename(moved, m_runs.optimizedModel));
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QStringLiteral("is gone")), qPrintable(result.err));
        QVERIFY(!QFile::exists(out));
    }

    void badInputWritesNothing_data()
    {
        QTest::addColumn<qint64>("runId");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("out");
        QTest::addColumn<QString>("message");
        const QString here = m_dir.filePath(QStringLiteral("bad.json"));
        QTest::newRow("missing run") << qint64(4242) << "json" << here << "there is no run 4242";
        QTest::newRow("missing run, perfetto") << qint64(4242) << "perfetto" << here << "there is no run 4242";
        QTest::newRow("unknown format") << qint64(1) << "xml" << here << "unknown --format 'xml'";
        QTest::newRow("folder missing") << qint64(1) << "csv"
                                        << "/nonexistent/dir/layers.csv"
                                        << "the folder /nonexistent/dir does not exist";
        QTest::newRow("unwritable folder") << qint64(1) << "perfetto" << unwritableFolder() + "/trace.json"
                                           << "cannot write /proc/trace.json";
        const QString readOnly = readOnlyFolder(m_dir) + QStringLiteral("/layers.csv");
        QTest::newRow("read-only folder") << qint64(1) << "csv" << readOnly << "cannot write " + readOnly;
        QTest::newRow("out is a folder") << qint64(1) << "json" << m_dir.path() << "is a folder";
    }
    void badInputWritesNothing()
    {
        QFETCH(qint64, runId);
        QFETCH(QString, format);
        QFETCH(QString, out);
        QFETCH(QString, message);
        const QStringList before = QDir(m_dir.path()).entryList(QDir::Files);
        const CliResult result = exportRun(runId, format, out);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0); // one message
        if (out != m_dir.path())
            QVERIFY(!QFile::exists(out));
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files), before); // no temporary file left either
        const QString folder = QFileInfo(out).absolutePath();
        if (folder != m_dir.path() && folder.startsWith(m_dir.path())) // the read-only folder
            QVERIFY(QDir(folder).entryList(QDir::Files | QDir::Hidden).isEmpty());
    }

private:
    CliResult exportRun(qint64 runId, const QString& format, const QString& out) const
    {
        return runCli({ QStringLiteral("export"), QString::number(runId), QStringLiteral("--format"), format,
            QStringLiteral("--out"), out, QStringLiteral("--db"), m_runs.database });
    }

    QTemporaryDir m_dir;
    OptimizedRuns m_runs;
};

QTEST_GUILESS_MAIN(TestExports)
#include "tst_exports.moc"
