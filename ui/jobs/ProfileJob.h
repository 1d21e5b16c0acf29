#pragma once
// Runs one profiling job in a worker process (memoscope-cli profile --progress), so that a model that
// crashes, aborts or runs out of memory takes down only the worker. Reports the run id as soon as the worker
// has stored it, throttled progress, and then finished or failed with one readable message.

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
    void cancel();
    bool isRunning() const;
    qint64 runId() const { return m_runId; }

    // The worker's command line for a configuration.
    static QStringList workerArguments(const RunConfig& config, const QString& databasePath);

Q_SIGNALS:
    void runStarted(qint64 runId);
    void progressChanged(const QString& stage, int iteration, int total);
    void finished(qint64 runId);
    // runId is -1 when the worker refused the input before storing a run.
    void failed(qint64 runId, const QString& message);

private:
    void readProgress();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    QString failureMessage(int exitCode, QProcess::ExitStatus status) const;
    void markRunFailedThenReport(const QString& message);

    QString m_workerPath;
    QString m_databasePath;
    QProcess* m_process = nullptr;
    QByteArray m_pending; // stderr not yet split into lines
    QString m_lastError; // the worker's own "error: ..." line
    qint64 m_runId = -1;
    bool m_cancelled = false;
};

} // namespace memoscope
