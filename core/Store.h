#pragma once
// The run store: one SQLite file holding models, runs, their events, layers and per-layer statistics.
// A run is written as `running` first and becomes `complete` (or failed, or oom) only at the very end,
// so a run whose process died is never mistaken for a finished one.

#include "Optimization.h"
#include "PredictionRecord.h"
#include "Run.h"
#include "RunTrace.h"
#include "StoreError.h"

#include <QVector>
#include <memory>
#include <optional>

namespace memoscope {

class Database;

// Everything stored for one run.
struct StoredRun {
    RunSummary summary;
    ModelInfo model;
    RunMetrics metrics;
    RunTrace trace; // events only when asked for
    QVector<LayerStats> layerStats; // indexed by layer id
    std::optional<OptimizationRecord> optimization; // when this run profiled an optimized model
    std::optional<PredictionRecord> prediction; // when this run measured a plan the advisor predicted
};

class Store {
public:
    // Opens (creating and migrating as needed) the database at `path`. Throws StoreError.
    explicit Store(const QString& path);
    ~Store();

    // The user's application data folder, e.g. ~/.local/share/memoscope/runs.sqlite.
    static QString defaultPath();
    QString path() const;

    qint64 recordModel(const ModelInfo& model); // returns the model id; the same file twice gives one row
    std::optional<ModelInfo> model(qint64 modelId);

    qint64 beginRun(qint64 modelId, const RunConfig& config); // status `running`, owned by this process
    void saveTrace(qint64 runId, const RunTrace& trace, const QVector<LayerStats>& layerStats);
    void finishRun(qint64 runId, RunStatus status, const QString& error, const RunMetrics& metrics);
    // For a supervisor (the GUI) whose worker died: marks a still-running run as failed.
    void markFailed(qint64 runId, const QString& error);

    QVector<RunSummary> runs(); // newest first; abandoned runs are marked failed first
    std::optional<RunSummary> run(qint64 runId);
    std::optional<StoredRun> load(qint64 runId, bool withEvents);
    std::optional<qint64> latestRunOfModel(const QString& modelPath);
    void renameRun(qint64 runId, const QString& name);
    bool deleteRun(qint64 runId);

    qint64 recordOptimization(const OptimizationRecord& record);
    std::optional<OptimizationRecord> optimizationOfRun(qint64 optimizedRunId);

    void recordPrediction(const PredictionRecord& record);
    std::optional<PredictionRecord> predictionOfRun(qint64 runId);

    // Runs left `running` by a process that no longer exists become failed. Returns how many.
    int reapAbandonedRuns();

private:
    void loadTrace(qint64 runId, bool withEvents, StoredRun* run);

    std::unique_ptr<Database> m_db;
};

} // namespace memoscope
