#pragma once
// Runs one profiling job in a worker process (memoscope-cli profile --progress, or optimize --profile
// --progress, which profiles two runs), so that a model that crashes, aborts or runs out of memory takes down
// only the worker. Reports each run id as soon as the worker has stored it, progress, and then finished or
// failed with one readable message.

#include "core/Run.h"
#include "core/RunConfig.h"

#include <QObject>
#include <QProcess>
#include <QString>

namespace memoscope {

class ProfileJob : public QObject {
    Q_OBJECT
public:
    ProfileJob(QString workerPath, QString databasePath, QObject* parent = nullptr);
    ~ProfileJob() override;

    void setDatabasePath(const QString& path) { m_databasePath = path; } // for the next start()
    void start(const RunConfig& config);
    // Any worker command that prints --progress lines; what it prints on stdout is kept for output().
    void startWorker(const QStringList& arguments);
    const QByteArray& output() const { return m_output; }
    void cancel();
    bool isRunning() const;
    qint64 runId() const { return m_runId; } // the latest run the worker stored

Q_SIGNALS:
    void runStarted(qint64 runId); // once per run the worker stores
    // `stage` is a profiling stage (warmup, measuring...) or an optimization step ("applying int8-dynamic").
    void progressChanged(const QString& stage, int iteration, int total);
    void finished(qint64 runId);
    // runId is -1 when the worker refused the input before storing a run.
    void failed(qint64 runId, const QString& message);
    // cancel() stopped the worker: not a failure. The run, if it was stored, is marked cancelled first.
    void cancelled(qint64 runId);

private:
    void readProgress();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    QString failureMessage(int exitCode, QProcess::ExitStatus status) const;
    void markRunEndedThenReport(RunStatus status, const QString& message);

    QString m_workerPath;
    QString m_databasePath;
    QProcess* m_process = nullptr;
    QByteArray m_pending; // stderr not yet split into lines
    QString m_lastError; // the worker's own "error: ..." line
    QByteArray m_output; // stdout
    qint64 m_runId = -1;
    bool m_cancelled = false;
};

} // namespace memoscope
