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
class Statement;

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

// ReadWrite creates a missing or empty file and upgrades an older Memoscope store. ReadOnly creates nothing (a
// missing or empty file reads as a store without runs) and writes nothing, except that it too upgrades an older
// Memoscope store, whose runs it could not read otherwise. Neither touches a file that is not Memoscope's.
enum class StoreAccess { ReadWrite, ReadOnly };

class Store {
public:
    // Opens the database at `path`. Throws StoreError: unusable() for a folder, a file that is not SQLite or is
    // damaged, another program's database (left byte for byte as it was) or a newer Memoscope's.
    explicit Store(const QString& path, StoreAccess access = StoreAccess::ReadWrite);
    ~Store();

    // The user's application data folder, e.g. ~/.local/share/memoscope/runs.sqlite.
    static QString defaultPath();
    QString path() const;

    qint64 recordModel(const ModelInfo& model); // returns the model id; the same file twice gives one row
    std::optional<ModelInfo> model(qint64 modelId);
    // The model file as it is now: its stored path, or, once that file is gone (moved, renamed), another path
    // where a file with the same sha256 was profiled and still is. Empty, with *error saying where the file was
    // and what to do, when there is none.
    QString locateModelFile(const ModelInfo& model, QString* error);

    qint64 beginRun(qint64 modelId, const RunConfig& config); // status `running`, owned by this process
    void saveTrace(qint64 runId, const RunTrace& trace, const QVector<LayerStats>& layerStats);
    void finishRun(qint64 runId, RunStatus status, const QString& error, const RunMetrics& metrics);
    // For a supervisor (the GUI) whose worker died: marks a still-running run as failed.
    // `status`: Cancelled when the user stopped the run.
    void markFailed(qint64 runId, const QString& error, RunStatus status = RunStatus::Failed);

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
    // For a supervisor whose worker died (the CLI's own, see app/cli/Supervisor): the worker's unfinished runs on
    // this machine become failed with `error`. Returns their ids.
    QVector<qint64> failRunsOfProcess(qint64 pid, const QString& error);

private:
    void loadTrace(qint64 runId, bool withEvents, StoredRun* run);
    void openForWriting(const QString& path);
    QVector<qint64> abandonedRuns();
    // Reaps abandoned runs, or in a read-only store returns them, to be shown as failed without writing.
    QVector<qint64> settleAbandonedRuns();
    RunSummary readSummary(const Statement& row, const QVector<qint64>& abandoned) const;

    std::unique_ptr<Database> m_db;
    QString m_path;
    bool m_readOnly = false;
};

} // namespace memoscope
