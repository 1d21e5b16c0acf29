#include "Store.h"

#include "FileHash.h"
#include "ProcessIdentity.h"
#include "Schema.h"
#include "Sqlite.h"
#include "StoreFile.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QThread>
#include <cmath>
#include <sqlite3.h>

namespace memoscope {

namespace {
    QString now() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs); }

    QString toJsonText(const QJsonObject& json)
    {
        return QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact));
    }

    QJsonObject fromJsonText(const QString& text)
    {
        return QJsonDocument::fromJson(text.toUtf8()).object();
    }

    // WAL lets the GUI read while a worker writes. Switching a new file to it needs the file to itself, and
    // SQLite answers "locked" at once rather than waiting, so a second opener retries for a while. Only then:
    // any other error is final.
    void useWriteAheadLog(Database& db)
    {
        QString answer;
        for (int attempt = 0; attempt < 500; ++attempt) {
            try {
                Statement mode(db.handle(), "PRAGMA journal_mode=WAL");
                answer = mode.step() ? mode.text(0) : QString();
                if (answer == QLatin1String("wal"))
                    return;
            } catch (const StoreError& error) {
                if (db.errorCode() != SQLITE_BUSY && db.errorCode() != SQLITE_LOCKED)
                    throw;
                answer = error.message();
            }
            QThread::msleep(20);
        }
        throw StoreError(QStringLiteral("cannot switch %1 to write-ahead logging: %2").arg(db.path(), answer));
    }

    // A run whose process died after its trace was committed has its events but no event_count: count them.
    const char* const summaryColumns
        = "r.id, r.model_id, m.path, r.name, r.created_at, r.finished_at, r.status, r.error, r.config_json, "
          "r.peak_bytes, r.iteration_ms_median, "
          "COALESCE(r.event_count, (SELECT COUNT(*) FROM events e WHERE e.run_id = r.id)) "
          "FROM runs r JOIN models m ON m.id = r.model_id ";

    const QString abandonedMessage
        = QStringLiteral("the profiling process ended before the run finished (crash or kill)");

    RunSummary summaryOf(const Statement& row)
    {
        RunSummary summary;
        summary.id = row.int64(0);
        summary.modelId = row.int64(1);
        summary.modelPath = row.text(2);
        summary.name = row.text(3);
        summary.createdAt = QDateTime::fromString(row.text(4), Qt::ISODateWithMs);
        summary.finishedAt = QDateTime::fromString(row.text(5), Qt::ISODateWithMs);
        summary.status = statusFromName(row.text(6));
        summary.error = row.text(7);
        summary.config = RunConfig::fromJson(fromJsonText(row.text(8)));
        summary.peakBytes = row.int64(9);
        summary.iterationMsMedian = row.real(10);
        summary.eventCount = row.int64(11);
        return summary;
    }
}

Store::Store(const QString& path, StoreAccess access)
    : m_path(path)
{
    const StoreFile file = probeStoreFile(path);
    if (access == StoreAccess::ReadOnly && file.kind != StoreFile::Kind::Memoscope) {
        // Nothing to read, and nothing may be created: an empty store in memory answers every query.
        m_db = std::make_unique<Database>(QStringLiteral(":memory:"));
        migrate(*m_db);
        m_readOnly = true;
        return;
    }
    if (access == StoreAccess::ReadOnly && file.schemaVersion == latestSchemaVersion()) {
        m_db = std::make_unique<Database>(path, Database::Mode::ReadOnly);
        m_readOnly = true;
        return;
    }
    openForWriting(path);
}

void Store::openForWriting(const QString& path)
{
    const QFileInfo info(path);
    if (!info.absoluteDir().exists() && !QDir().mkpath(info.absolutePath()))
        throw StoreError(QStringLiteral("cannot create the folder %1 for the run database").arg(info.absolutePath()));
    m_db = std::make_unique<Database>(path);
    useWriteAheadLog(*m_db);
    m_db->exec("PRAGMA synchronous=NORMAL");
    m_db->exec("PRAGMA foreign_keys=ON");
    migrate(*m_db);
}

Store::~Store() = default;

QString Store::defaultPath()
{
    QString folder = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (folder.isEmpty())
        folder = QDir::homePath() + QStringLiteral("/.local/share");
    return folder + QStringLiteral("/memoscope/runs.sqlite");
}

QString Store::path() const { return m_path; }

RunSummary Store::readSummary(const Statement& row, const QVector<qint64>& abandoned) const
{
    RunSummary summary = summaryOf(row);
    if (abandoned.contains(summary.id)) {
        summary.status = RunStatus::Failed;
        summary.error = abandonedMessage;
    }
    return summary;
}

qint64 Store::recordModel(const ModelInfo& model)
{
    Statement find(m_db->handle(), "SELECT id FROM models WHERE path = ? AND sha256 = ?");
    find.bind(1, model.path).bind(2, model.sha256);
    if (find.step())
        return find.int64(0);
    Statement insert(m_db->handle(),
        "INSERT INTO models(path, sha256, file_bytes, param_count, param_bytes, first_seen) VALUES(?,?,?,?,?,?)");
    insert.bind(1, model.path).bind(2, model.sha256).bind(3, model.fileBytes).bind(4, model.paramCount);
    insert.bind(5, model.paramBytes).bind(6, now());
    insert.run();
    return m_db->lastInsertId();
}

std::optional<ModelInfo> Store::model(qint64 modelId)
{
    Statement query(m_db->handle(),
        "SELECT id, path, sha256, file_bytes, param_count, param_bytes FROM models WHERE id = ?");
    query.bind(1, modelId);
    if (!query.step())
        return std::nullopt;
    ModelInfo model;
    model.id = query.int64(0);
    model.path = query.text(1);
    model.sha256 = query.text(2);
    model.fileBytes = query.int64(3);
    model.paramCount = query.int64(4);
    model.paramBytes = query.int64(5);
    return model;
}

QString Store::locateModelFile(const ModelInfo& model, QString* error)
{
    if (QFileInfo(model.path).isFile())
        return model.path;
    Statement query(m_db->handle(), "SELECT path FROM models WHERE sha256 = ? AND path != ? ORDER BY id DESC");
    query.bind(1, model.sha256).bind(2, model.path);
    while (query.step()) {
        const QString candidate = query.text(0);
        if (QFileInfo(candidate).isFile() && sha256OfFile(candidate) == model.sha256)
            return candidate;
    }
    *error = QStringLiteral("the model file %1 no longer exists, and no other file with its contents (sha256 %2) was "
                            "profiled into this database; put it back there, or profile it again from where it is now")
                 .arg(model.path, model.sha256.left(16));
    return QString();
}

qint64 Store::beginRun(qint64 modelId, const RunConfig& config)
{
    const ProcessIdentity self = ProcessIdentity::current();
    Statement insert(m_db->handle(),
        "INSERT INTO runs(model_id, name, created_at, status, config_json, worker_pid, worker_host, worker_start) "
        "VALUES(?, ?, ?, 'running', ?, ?, ?, ?)");
    insert.bind(1, modelId).bind(2, config.name.isEmpty() ? QString() : config.name).bind(3, now());
    insert.bind(4, toJsonText(config.toJson())).bind(5, self.pid).bind(6, self.host).bind(7, self.startTicks);
    insert.run();
    return m_db->lastInsertId();
}

void Store::finishRun(qint64 runId, RunStatus status, const QString& error, const RunMetrics& metrics)
{
    Statement update(m_db->handle(),
        "UPDATE runs SET status = ?, error = ?, finished_at = ?, metrics_json = ?, peak_bytes = ?, "
        "iteration_ms_median = ?, event_count = ? WHERE id = ?");
    update.bind(1, statusName(status)).bind(2, error.isEmpty() ? QString() : error).bind(3, now());
    update.bind(4, toJsonText(metrics.toJson())).bind(5, metrics.peakBytes).bind(6, metrics.iterationMsMedian);
    update.bind(7, metrics.eventCount).bind(8, runId);
    update.run();
}

void Store::markFailed(qint64 runId, const QString& error, RunStatus status)
{
    // Events committed before the process died stay, counted, so the run reads the same before and after. A
    // reader may have reaped the run first with a guess ("crash or kill"); whoever watched the worker end (the
    // app that cancelled it) knows better, so its word replaces that one.
    Statement update(m_db->handle(),
        "UPDATE runs SET status = ?, error = ?, finished_at = ?, "
        "event_count = COALESCE(event_count, (SELECT COUNT(*) FROM events WHERE run_id = runs.id)) "
        "WHERE id = ? AND (status = 'running' OR (status = 'failed' AND error = ?))");
    update.bind(1, statusName(status)).bind(2, error).bind(3, now()).bind(4, runId).bind(5, abandonedMessage);
    update.run();
}

QVector<qint64> Store::abandonedRuns()
{
    QVector<qint64> abandoned;
    {
        Statement query(m_db->handle(),
            "SELECT id, worker_pid, worker_host, worker_start FROM runs WHERE status = 'running'");
        while (query.step()) {
            ProcessIdentity owner;
            owner.pid = query.int64(1);
            owner.host = query.text(2);
            owner.startTicks = query.int64(3);
            if (query.isNull(1) || !owner.mayBeAlive())
                abandoned << query.int64(0);
        }
    }
    return abandoned;
}

QVector<qint64> Store::failRunsOfProcess(qint64 pid, const QString& error)
{
    // A reader may have reaped the run between the worker's death and this call, with a message that can only
    // guess ("crash or kill"); whoever supervised the worker knows what happened, so its message replaces that one.
    QVector<qint64> ids;
    {
        Statement query(m_db->handle(),
            "SELECT id FROM runs WHERE worker_pid = ? AND worker_host = ? "
            "AND (status = 'running' OR (status = 'failed' AND error = ?)) ORDER BY id");
        query.bind(1, pid).bind(2, ProcessIdentity::current().host).bind(3, abandonedMessage);
        while (query.step())
            ids << query.int64(0);
    }
    for (qint64 runId : ids)
        markFailed(runId, error); // replaces the reaper's guess too
    return ids;
}

int Store::reapAbandonedRuns()
{
    const QVector<qint64> abandoned = abandonedRuns();
    for (qint64 runId : abandoned)
        markFailed(runId, abandonedMessage);
    return int(abandoned.size());
}

QVector<qint64> Store::settleAbandonedRuns()
{
    if (m_readOnly)
        return abandonedRuns();
    reapAbandonedRuns();
    return {};
}

QVector<RunSummary> Store::runs()
{
    const QVector<qint64> abandoned = settleAbandonedRuns();
    QVector<RunSummary> result;
    Statement query(m_db->handle(), (QByteArray("SELECT ") + summaryColumns + "ORDER BY r.id DESC").constData());
    while (query.step())
        result << readSummary(query, abandoned);
    return result;
}

std::optional<RunSummary> Store::run(qint64 runId)
{
    const QVector<qint64> abandoned = settleAbandonedRuns();
    Statement query(m_db->handle(), (QByteArray("SELECT ") + summaryColumns + "WHERE r.id = ?").constData());
    query.bind(1, runId);
    if (!query.step())
        return std::nullopt;
    return readSummary(query, abandoned);
}

std::optional<qint64> Store::latestRunOfModel(const QString& modelPath)
{
    Statement query(m_db->handle(),
        "SELECT r.id FROM runs r JOIN models m ON m.id = r.model_id WHERE m.path = ? ORDER BY r.id DESC LIMIT 1");
    query.bind(1, modelPath);
    if (!query.step())
        return std::nullopt;
    return query.int64(0);
}

std::optional<StoredRun> Store::load(qint64 runId, bool withEvents)
{
    const std::optional<RunSummary> summary = run(runId);
    if (!summary)
        return std::nullopt;
    StoredRun stored;
    stored.summary = *summary;
    stored.model = model(summary->modelId).value_or(ModelInfo {});
    Statement metrics(m_db->handle(), "SELECT metrics_json FROM runs WHERE id = ?");
    metrics.bind(1, runId);
    if (metrics.step())
        stored.metrics = RunMetrics::fromJson(fromJsonText(metrics.text(0)));
    // A run whose process died has no metrics, but the events it committed are counted all the same.
    if (stored.metrics.eventCount == 0)
        stored.metrics.eventCount = summary->eventCount;
    loadTrace(runId, withEvents, &stored);
    stored.optimization = optimizationOfRun(runId);
    stored.prediction = predictionOfRun(runId);
    return stored;
}

qint64 Store::recordOptimization(const OptimizationRecord& record)
{
    Statement insert(m_db->handle(),
        "INSERT INTO optimizations(baseline_run_id, optimized_run_id, created_at, record_json) VALUES(?,?,?,?)");
    if (record.baselineRunId >= 0)
        insert.bind(1, record.baselineRunId);
    if (record.optimizedRunId >= 0)
        insert.bind(2, record.optimizedRunId);
    insert.bind(3, now()).bind(4, toJsonText(record.toJson()));
    insert.run();
    return m_db->lastInsertId();
}

std::optional<OptimizationRecord> Store::optimizationOfRun(qint64 optimizedRunId)
{
    Statement query(m_db->handle(),
        "SELECT record_json FROM optimizations WHERE optimized_run_id = ? ORDER BY id DESC LIMIT 1");
    query.bind(1, optimizedRunId);
    if (!query.step())
        return std::nullopt;
    return OptimizationRecord::fromJson(fromJsonText(query.text(0)));
}

void Store::recordPrediction(const PredictionRecord& record)
{
    Statement insert(m_db->handle(),
        "INSERT INTO predictions(run_id, baseline_run_id, created_at, plan, budget_bytes, baseline_peak_bytes, "
        "predicted_peak_bytes, measured_peak_bytes, saving_error) VALUES(?,?,?,?,?,?,?,?,?)");
    insert.bind(1, record.runId).bind(2, record.baselineRunId).bind(3, now()).bind(4, record.plan.join(QLatin1Char(' ')));
    if (record.budgetBytes > 0)
        insert.bind(5, record.budgetBytes);
    insert.bind(6, record.baselinePeakBytes).bind(7, record.predictedPeakBytes).bind(8, record.measuredPeakBytes);
    if (std::isfinite(record.savingError()))
        insert.bind(9, record.savingError());
    insert.run();
}

std::optional<PredictionRecord> Store::predictionOfRun(qint64 runId)
{
    Statement query(m_db->handle(),
        "SELECT baseline_run_id, plan, budget_bytes, baseline_peak_bytes, predicted_peak_bytes, measured_peak_bytes "
        "FROM predictions WHERE run_id = ? ORDER BY id DESC LIMIT 1");
    query.bind(1, runId);
    if (!query.step())
        return std::nullopt;
    PredictionRecord record;
    record.runId = runId;
    record.baselineRunId = query.int64(0);
    record.plan = query.text(1).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    record.budgetBytes = query.isNull(2) ? 0 : query.int64(2);
    record.baselinePeakBytes = query.int64(3);
    record.predictedPeakBytes = query.int64(4);
    record.measuredPeakBytes = query.int64(5);
    return record;
}

void Store::renameRun(qint64 runId, const QString& name)
{
    Statement update(m_db->handle(), "UPDATE runs SET name = ? WHERE id = ?");
    update.bind(1, name).bind(2, runId);
    update.run();
}

bool Store::deleteRun(qint64 runId)
{
    Transaction transaction(*m_db);
    for (const char* links : { "DELETE FROM optimizations WHERE optimized_run_id = ? OR baseline_run_id = ?",
             "DELETE FROM predictions WHERE run_id = ? OR baseline_run_id = ?" }) {
        Statement unlink(m_db->handle(), links);
        unlink.bind(1, runId).bind(2, runId);
        unlink.run();
    }
    for (const char* table : { "events", "layers", "layer_stats", "ops", "phase_spans", "op_spans" }) {
        Statement remove(m_db->handle(), (QByteArray("DELETE FROM ") + table + " WHERE run_id = ?").constData());
        remove.bind(1, runId);
        remove.run();
    }
    Statement remove(m_db->handle(), "DELETE FROM runs WHERE id = ?");
    remove.bind(1, runId);
    remove.run();
    const bool existed = m_db->changes() > 0;
    transaction.commit();
    return existed;
}

} // namespace memoscope
