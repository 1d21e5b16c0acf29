#include "Schema.h"

#include "Sqlite.h"
#include "StoreFile.h"

#include <QString>
#include <QStringList>
#include <iterator>

namespace memoscope {

namespace {
    // Version 1: the first release. Events, layers and ops are keyed by (run_id, ...) WITHOUT ROWID so a run's
    // rows are stored together and load in one range scan.
    const char* const migration1 = R"sql(
CREATE TABLE models(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_bytes INTEGER NOT NULL,
    param_count INTEGER NOT NULL,
    param_bytes INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    UNIQUE(path, sha256));
CREATE TABLE runs(
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id),
    name TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK(status IN ('running', 'complete', 'failed', 'oom')),
    error TEXT,
    config_json TEXT NOT NULL,
    metrics_json TEXT,
    peak_bytes INTEGER,
    iteration_ms_median REAL,
    event_count INTEGER);
CREATE TABLE layers(
    run_id INTEGER NOT NULL,
    layer_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    type TEXT NOT NULL,
    parent_id INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    param_count INTEGER NOT NULL,
    param_bytes INTEGER NOT NULL,
    pseudo INTEGER NOT NULL,
    PRIMARY KEY(run_id, layer_id)) WITHOUT ROWID;
CREATE TABLE layer_stats(
    run_id INTEGER NOT NULL,
    layer_id INTEGER NOT NULL,
    allocated_bytes INTEGER NOT NULL,
    peak_contribution_bytes INTEGER NOT NULL,
    activation_bytes INTEGER NOT NULL,
    forward_ns INTEGER NOT NULL,
    backward_ns INTEGER NOT NULL,
    PRIMARY KEY(run_id, layer_id)) WITHOUT ROWID;
CREATE TABLE ops(
    run_id INTEGER NOT NULL,
    op_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY(run_id, op_id)) WITHOUT ROWID;
CREATE TABLE events(
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    t_ns INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    alloc_id INTEGER NOT NULL,
    op_id INTEGER NOT NULL,
    layer_id INTEGER NOT NULL,
    phase INTEGER NOT NULL,
    category INTEGER NOT NULL,
    PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
CREATE INDEX runs_by_model ON runs(model_id);
)sql";

    // Version 2: phase and op spans for the timeline's bands and tooltips, and the worker process's identity
    // so that a run whose process died can be told from one still running.
    const char* const migration2 = R"sql(
ALTER TABLE runs ADD COLUMN worker_pid INTEGER;
ALTER TABLE runs ADD COLUMN worker_host TEXT;
ALTER TABLE runs ADD COLUMN worker_start INTEGER;
CREATE TABLE phase_spans(
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    phase INTEGER NOT NULL,
    iteration INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
CREATE TABLE op_spans(
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    op_id INTEGER NOT NULL,
    layer_id INTEGER NOT NULL,
    phase INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
)sql";

    // Version 3: optimizations (memoscope-cli optimize --profile), linking a baseline run to the optimized
    // run, with what was applied and how faithful the result is.
    const char* const migration3 = R"sql(
CREATE TABLE optimizations(
    id INTEGER PRIMARY KEY,
    baseline_run_id INTEGER,
    optimized_run_id INTEGER,
    created_at TEXT NOT NULL,
    record_json TEXT NOT NULL);
CREATE INDEX optimizations_by_optimized_run ON optimizations(optimized_run_id);
CREATE INDEX optimizations_by_baseline_run ON optimizations(baseline_run_id);
)sql";

    // Version 4: what the advisor predicted for a plan that was applied and profiled (memoscope-cli advise
    // --apply), stored with the run that measured it so the prediction error stays with the run.
    const char* const migration4 = R"sql(
CREATE TABLE predictions(
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    baseline_run_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    plan TEXT NOT NULL,
    budget_bytes INTEGER,
    baseline_peak_bytes INTEGER NOT NULL,
    predicted_peak_bytes INTEGER NOT NULL,
    measured_peak_bytes INTEGER NOT NULL,
    saving_error REAL);
CREATE INDEX predictions_by_run ON predictions(run_id);
)sql";

    // Version 5: the store says it is Memoscope's in SQLite's application_id ("MEMO", see StoreFile.h), so that
    // another program's database is never taken for one and written into.
    const char* const migration5 = "PRAGMA application_id = 1296387407;";

    // Version 6: a run the user cancelled is 'cancelled', not 'failed'. SQLite cannot alter a CHECK constraint,
    // so the runs table is rebuilt (no table references it by foreign key).
    const char* const migration6 = R"sql(
CREATE TABLE runs_v6(
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id),
    name TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK(status IN ('running', 'complete', 'failed', 'oom', 'cancelled')),
    error TEXT,
    config_json TEXT NOT NULL,
    metrics_json TEXT,
    peak_bytes INTEGER,
    iteration_ms_median REAL,
    event_count INTEGER,
    worker_pid INTEGER,
    worker_host TEXT,
    worker_start INTEGER);
INSERT INTO runs_v6(id, model_id, name, created_at, finished_at, status, error, config_json, metrics_json,
    peak_bytes, iteration_ms_median, event_count, worker_pid, worker_host, worker_start)
SELECT id, model_id, name, created_at, finished_at, status, error, config_json, metrics_json, peak_bytes,
    iteration_ms_median, event_count, worker_pid, worker_host, worker_start FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v6 RENAME TO runs;
CREATE INDEX runs_by_model ON runs(model_id);
)sql";

    const char* const migrations[] = { migration1, migration2, migration3, migration4, migration5, migration6 };
}

int latestSchemaVersion() { return int(std::size(migrations)); }

int schemaVersion(Database& db)
{
    Statement query(db.handle(), "PRAGMA user_version");
    return query.step() ? int(query.int64(0)) : 0;
}

void migrate(Database& db, int target)
{
    if (target < 0)
        target = latestSchemaVersion();
    // One write transaction around the check and the migrations: two processes (or threads) opening a new
    // database at once must not both create its tables.
    Transaction transaction(db);
    const int current = schemaVersion(db);
    // Checked again inside the transaction: a file that was empty when probed may have been filled since.
    if (current == 0) {
        Statement tables(db.handle(), "SELECT name FROM sqlite_master WHERE type = 'table'");
        QStringList names;
        while (tables.step())
            names << tables.text(0);
        if (!names.isEmpty())
            refuseForeignDatabase(db.path(), names, 0);
    }
    if (current > latestSchemaVersion())
        throw StoreError(QStringLiteral("the run database %1 has schema version %2, newer than this Memoscope "
                                        "understands (%3); use a newer Memoscope or another --db file")
                             .arg(db.path())
                             .arg(current)
                             .arg(latestSchemaVersion()),
            StoreError::Kind::Unusable);
    if (current >= target)
        return;
    for (int version = current + 1; version <= target; ++version)
        db.exec(migrations[version - 1]);
    db.exec(QStringLiteral("PRAGMA user_version = %1").arg(target));
    transaction.commit();
}

} // namespace memoscope
