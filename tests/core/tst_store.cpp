#include "core/Schema.h"
#include "core/Sqlite.h"
#include "core/Store.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <thread>

using namespace memoscope;

namespace {
ModelInfo someModel(const QString& path = QStringLiteral("/models/net.pt"))
{
    ModelInfo model;
    model.path = path;
    model.sha256 = QStringLiteral("ab12");
    model.fileBytes = 1234;
    model.paramCount = 10;
    model.paramBytes = 40;
    return model;
}

RunConfig someConfig()
{
    RunConfig config;
    config.modelPath = QStringLiteral("/models/net.pt");
    config.inputs = { QStringLiteral("8x64") };
    config.mode = RunMode::Train;
    config.optimizer = OptimizerKind::Adam;
    config.iterations = 4;
    config.memoryLimitBytes = 1 << 20;
    config.checkpoint = QStringLiteral("budget=512M");
    config.amp = QStringLiteral("bf16");
    config.data = QStringLiteral("demo-digits");
    config.dataReading = DataReading::Streamed;
    config.batch = 64;
    return config;
}

RunTrace someTrace(int events)
{
    RunTrace trace;
    Layer root;
    root.id = 0;
    root.path = QStringLiteral("");
    root.type = QStringLiteral("Net");
    root.paramBytes = 40;
    root.forwardNs = 77;
    Layer fc = root;
    fc.id = 1;
    fc.path = QStringLiteral("fc");
    fc.type = QStringLiteral("Linear");
    fc.parentId = 0;
    fc.depth = 1;
    trace.layers = { root, fc };
    trace.ops = { QStringLiteral("aten::linear"), QStringLiteral("AddmmBackward0") };
    trace.phases = { PhaseSpan { Phase::Forward, 0, 5, 90 }, PhaseSpan { Phase::Backward, 0, 90, 200 } };
    trace.opSpans = { OpSpan { 0, 1, Phase::Forward, 6, 80 } };
    for (int i = 0; i < events; ++i) {
        const bool free = i % 2 == 1;
        trace.events.push_back(Event { i * 10, free ? -64 : 64, i / 2, i % 2, 1, Phase::Forward,
            i % 4 < 2 ? Category::Temporary : Category::Data });
    }
    return trace;
}

// A pid that belonged to a process which has exited.
qint64 deadPid()
{
    QProcess process;
    process.start(QStringLiteral("/bin/true"));
    process.waitForFinished();
    return process.processId() ? process.processId() : 999999;
}
}

class TestStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { QVERIFY(m_dir.isValid()); }

    void roundTrip()
    {
        Store store(m_dir.filePath(QStringLiteral("round.sqlite")));
        const qint64 modelId = store.recordModel(someModel());
        QCOMPARE(store.recordModel(someModel()), modelId); // the same file twice is one model
        const qint64 runId = store.beginRun(modelId, someConfig());
        QCOMPARE(store.run(runId)->status, RunStatus::Running);

        const RunTrace trace = someTrace(1000);
        QVector<LayerStats> stats(2);
        stats[1].allocatedBytes = 32000;
        stats[1].peakContributionBytes = 64;
        stats[1].activationBytes = 7;
        store.saveTrace(runId, trace, stats);
        RunMetrics metrics;
        metrics.peakBytes = 64;
        metrics.peakPhase = Phase::Backward;
        metrics.categoriesAtPeak[int(Category::Gradient)] = 5;
        metrics.iterationMs = { 1.5, 2.5, 3.5 };
        metrics.iterationMsMedian = 2.5;
        metrics.eventCount = 1000;
        metrics.categoriesAtPeak[int(Category::Data)] = 9;
        metrics.checkpointSegments = { QStringLiteral("layer1"), QStringLiteral("layer2") };
        metrics.recomputeMs = 12.5;
        metrics.plannedPeakBytes = 60;
        metrics.phasePrecision[int(Phase::Forward)] = QStringLiteral("bfloat16");
        metrics.phasePrecision[int(Phase::Optimizer)] = QStringLiteral("float32");
        metrics.data = QStringLiteral("digits.csv: 1797 labelled samples");
        metrics.losses = { 2.5, 2.25 };
        store.finishRun(runId, RunStatus::Complete, QString(), metrics);

        const std::optional<StoredRun> loaded = store.load(runId, true);
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->summary.status, RunStatus::Complete);
        QCOMPARE(loaded->summary.config.toJson(), someConfig().toJson());
        QCOMPARE(loaded->model.sha256, QStringLiteral("ab12"));
        QCOMPARE(loaded->metrics.peakBytes, qint64(64));
        QCOMPARE(loaded->metrics.peakPhase, Phase::Backward);
        QCOMPARE(loaded->metrics.categoriesAtPeak[int(Category::Gradient)], qint64(5));
        QCOMPARE(loaded->metrics.iterationMs, QVector<double>({ 1.5, 2.5, 3.5 }));
        QCOMPARE(loaded->summary.config.dataReading, DataReading::Streamed);
        QCOMPARE(loaded->metrics.categoriesAtPeak[int(Category::Data)], qint64(9));
        QCOMPARE(loaded->metrics.checkpointSegments, metrics.checkpointSegments);
        QCOMPARE(loaded->metrics.recomputeMs, 12.5);
        QCOMPARE(loaded->metrics.plannedPeakBytes, qint64(60));
        QCOMPARE(loaded->metrics.phasePrecision, metrics.phasePrecision);
        QCOMPARE(loaded->metrics.data, metrics.data);
        QCOMPARE(loaded->metrics.losses, metrics.losses);
        QCOMPARE(loaded->trace.layers.size(), 2);
        QCOMPARE(loaded->trace.layers[0].path, QStringLiteral(""));
        QCOMPARE(loaded->trace.layers[0].forwardNs, qint64(77));
        QCOMPARE(loaded->trace.layers[1].path, QStringLiteral("fc"));
        QCOMPARE(loaded->layerStats[1].allocatedBytes, qint64(32000));
        QCOMPARE(loaded->layerStats[1].activationBytes, qint64(7));
        QCOMPARE(loaded->trace.ops, trace.ops);
        QCOMPARE(loaded->trace.phases.size(), 2);
        QCOMPARE(loaded->trace.phases[1].endNs, qint64(200));
        QCOMPARE(loaded->trace.opSpans.size(), size_t(1));
        QCOMPARE(loaded->trace.events.size(), trace.events.size());
        for (size_t i = 0; i < trace.events.size(); ++i) {
            const Event& a = trace.events[i];
            const Event& b = loaded->trace.events[i];
            QVERIFY(a.timeNs == b.timeNs && a.bytes == b.bytes && a.allocationId == b.allocationId
                && a.opId == b.opId && a.layerId == b.layerId && a.phase == b.phase && a.category == b.category);
        }
        QVERIFY(store.load(runId, false)->trace.events.empty());

        store.renameRun(runId, QStringLiteral("baseline"));
        QCOMPARE(store.runs().first().name, QStringLiteral("baseline"));
        QVERIFY(store.deleteRun(runId));
        QVERIFY(!store.load(runId, true).has_value());
        QVERIFY(!store.deleteRun(runId));
    }

    void migratesFromVersion1()
    {
        const QString path = m_dir.filePath(QStringLiteral("old.sqlite"));
        {
            Database db(path);
            migrate(db, 1);
            QCOMPARE(schemaVersion(db), 1);
            db.exec("INSERT INTO models(path, sha256, file_bytes, param_count, param_bytes, first_seen) "
                    "VALUES('/m.pt', 'ff', 10, 2, 8, '2026-01-01T00:00:00.000Z')");
            db.exec("INSERT INTO runs(model_id, created_at, status, config_json, metrics_json, peak_bytes) "
                    "VALUES(1, '2026-01-01T00:00:00.000Z', 'complete', '{\"mode\":\"train\",\"iterations\":2}', "
                    "'{\"peak_bytes\":4096}', 4096)");
            db.exec("INSERT INTO runs(model_id, created_at, status, config_json) "
                    "VALUES(1, '2026-01-01T00:00:00.000Z', 'running', '{}')");
            db.exec("INSERT INTO events VALUES(1, 0, 0, 4096, 0, -1, -1, 2, 2)");
        }
        Store store(path);
        Database check(path);
        QCOMPARE(schemaVersion(check), latestSchemaVersion());
        const QVector<RunSummary> runs = store.runs();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[1].status, RunStatus::Complete);
        QCOMPARE(runs[1].config.mode, RunMode::Train);
        QCOMPARE(runs[1].peakBytes, qint64(4096));
        // A run left running by an old version has no owner to ask: it cannot finish any more.
        QCOMPARE(runs[0].status, RunStatus::Failed);
        const std::optional<StoredRun> old = store.load(runs[1].id, true);
        QCOMPARE(old->trace.events.size(), size_t(1));
        QCOMPARE(old->metrics.peakBytes, qint64(4096));
        // Runs stored before the training options read back as runs without them.
        QVERIFY(old->summary.config.checkpoint.isEmpty() && old->summary.config.amp.isEmpty());
        QVERIFY(old->summary.config.data.isEmpty());
        QCOMPARE(old->summary.config.dataReading, DataReading::InMemory);
        QVERIFY(old->metrics.checkpointSegments.isEmpty());
        QVERIFY(old->metrics.phasePrecision[int(Phase::Forward)].isEmpty());
    }

    void keepsAPredictionWithTheRunThatMeasuredIt()
    {
        // A version-3 database (before predictions) with a baseline and an optimized run opens and migrates.
        const QString path = m_dir.filePath(QStringLiteral("v3.sqlite"));
        {
            Database db(path);
            migrate(db, 3);
            db.exec("INSERT INTO models(path, sha256, file_bytes, param_count, param_bytes, first_seen) "
                    "VALUES('/m.pt', 'ff', 10, 2, 8, '2026-01-01T00:00:00.000Z')");
            for (int run = 0; run < 2; ++run)
                db.exec("INSERT INTO runs(model_id, created_at, status, config_json, metrics_json, peak_bytes) "
                        "VALUES(1, '2026-01-01T00:00:00.000Z', 'complete', '{}', '{\"peak_bytes\":4096}', 4096)");
        }
        Store store(path);
        QVERIFY(store.load(2, false).has_value());
        QVERIFY(!store.load(2, false)->prediction.has_value());

        PredictionRecord record;
        record.baselineRunId = 1;
        record.runId = 2;
        record.plan = { QStringLiteral("prune-structured=0.5"), QStringLiteral("bf16") };
        record.budgetBytes = 3000;
        record.baselinePeakBytes = 4000;
        record.predictedPeakBytes = 2900;
        record.measuredPeakBytes = 3100;
        store.recordPrediction(record);
        const std::optional<PredictionRecord> loaded = store.load(2, false)->prediction;
        QVERIFY(loaded.has_value());
        QCOMPARE(loaded->plan, record.plan);
        QCOMPARE(loaded->budgetBytes, qint64(3000));
        QCOMPARE(loaded->predictedSavingBytes(), qint64(1100));
        QCOMPARE(loaded->measuredSavingBytes(), qint64(900));
        QVERIFY(qAbs(loaded->savingError() - 200.0 / 900.0) < 1e-12);
        QVERIFY(!loaded->fits()); // measured 3100 B against a budget of 3000 B
        QVERIFY(!store.load(1, false)->prediction.has_value());
        QVERIFY(store.deleteRun(1));
        QVERIFY(!store.load(2, false)->prediction.has_value());
    }

    void refusesANewerSchema()
    {
        const QString path = m_dir.filePath(QStringLiteral("future.sqlite"));
        {
            Database db(path); // a newer Memoscope's store: its application id, a schema version from the future
            db.exec("PRAGMA application_id = 1296387407; PRAGMA user_version = 99");
        }
        try {
            Store store(path);
            QFAIL("a database from a newer Memoscope was opened");
        } catch (const StoreError& error) {
            QVERIFY(error.message().contains(QStringLiteral("newer")));
        }
    }

    void runOfADeadProcessIsFailedNotRunning()
    {
        const QString path = m_dir.filePath(QStringLiteral("dead.sqlite"));
        Store store(path);
        const qint64 mine = store.beginRun(store.recordModel(someModel()), someConfig());
        const qint64 orphan = store.beginRun(store.recordModel(someModel()), someConfig());
        {
            Database db(path);
            db.exec(QStringLiteral("UPDATE runs SET worker_pid = %1 WHERE id = %2").arg(deadPid()).arg(orphan));
        }
        QCOMPARE(store.run(mine)->status, RunStatus::Running); // this process is alive
        const std::optional<RunSummary> reaped = store.run(orphan);
        QCOMPARE(reaped->status, RunStatus::Failed);
        QVERIFY(reaped->error.contains(QStringLiteral("ended before the run finished")));
    }

    // The GUI may list runs (and so reap) after a supervised worker crashed but before its supervisor wrote why.
    void supervisorsMessageReplacesTheReapersGuess()
    {
        const QString path = m_dir.filePath(QStringLiteral("supervised.sqlite"));
        Store store(path);
        const qint64 runId = store.beginRun(store.recordModel(someModel()), someConfig());
        const qint64 pid = deadPid();
        {
            Database db(path);
            db.exec(QStringLiteral("UPDATE runs SET worker_pid = %1 WHERE id = %2").arg(pid).arg(runId));
        }
        QVERIFY(store.run(runId)->error.contains(QStringLiteral("ended before the run finished"))); // reaped
        const QString crashed = QStringLiteral("the model crashed the worker process (SIGSEGV)");
        QCOMPARE(store.failRunsOfProcess(pid, crashed), QVector<qint64> { runId });
        QCOMPARE(store.run(runId)->error, crashed);
        QCOMPARE(store.run(runId)->status, RunStatus::Failed);
        // A run that failed for a reason of its own keeps it.
        QCOMPARE(store.failRunsOfProcess(pid, QStringLiteral("something else")), QVector<qint64> {});
        QCOMPARE(store.run(runId)->error, crashed);
    }

    void markFailedOnlyTouchesRunningRuns()
    {
        Store store(m_dir.filePath(QStringLiteral("mark.sqlite")));
        const qint64 runId = store.beginRun(store.recordModel(someModel()), someConfig());
        store.finishRun(runId, RunStatus::Complete, QString(), RunMetrics {});
        store.markFailed(runId, QStringLiteral("worker crashed"));
        QCOMPARE(store.run(runId)->status, RunStatus::Complete);
    }

    void newDatabaseOpenedByManyAtOnce()
    {
        // The GUI lists runs and looks up a model's latest run on two threads as it starts, while a worker
        // process may open the same new file: only one of them may create the tables.
        for (int round = 0; round < 20; ++round) {
            const QString path = m_dir.filePath(QStringLiteral("race-%1.sqlite").arg(round));
            std::atomic<int> failures { 0 };
            std::vector<std::thread> openers;
            for (int i = 0; i < 4; ++i)
                openers.emplace_back([&] {
                    try {
                        Store store(path);
                        store.runs();
                    } catch (const StoreError& error) {
                        qWarning("%s", qPrintable(error.message()));
                        ++failures;
                    }
                });
            for (std::thread& opener : openers)
                opener.join();
            QCOMPARE(failures.load(), 0);
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
