#include "ProfileJob.h"

#include "core/ExitCode.h"
#include "core/Store.h"
#include "core/WorkerProtocol.h"

#include <QtConcurrent>
#include <csignal>
#include <cstring>

namespace memoscope {

ProfileJob::ProfileJob(QString workerPath, QString databasePath, QObject* parent)
    : QObject(parent)
    , m_workerPath(std::move(workerPath))
    , m_databasePath(std::move(databasePath))
{
}

ProfileJob::~ProfileJob()
{
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

bool ProfileJob::isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }

void ProfileJob::start(const RunConfig& config) { startWorker(profileArguments(config) + workerOptions(m_databasePath)); }

void ProfileJob::startWorker(const QStringList& arguments)
{
    Q_ASSERT(!isRunning());
    m_runId = -1;
    m_cancelled = false;
    m_pending.clear();
    m_lastError.clear();
    m_output.clear();
    delete m_process;
    m_process = new QProcess(this);
    m_process->setReadChannel(QProcess::StandardError);
    connect(m_process, &QProcess::readyReadStandardError, this, &ProfileJob::readProgress);
    connect(m_process, &QProcess::finished, this, &ProfileJob::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            Q_EMIT failed(-1,
                tr("Could not start the profiling worker %1: %2. Reinstall Memoscope or check the file.")
                    .arg(m_workerPath, m_process->errorString()));
    });
    m_process->start(m_workerPath, arguments);
}

void ProfileJob::cancel()
{
    if (!isRunning())
        return;
    m_cancelled = true;
    m_process->kill();
}

void ProfileJob::readProgress()
{
    m_pending += m_process->readAllStandardError();
    int newline;
    while ((newline = m_pending.indexOf('\n')) >= 0) {
        const QByteArray line = m_pending.left(newline).trimmed();
        m_pending.remove(0, newline + 1);
        const std::optional<ProgressLine> progress = ProgressLine::parse(line);
        if (!progress) {
            // The worker's one-line error: "memoscope-cli profile: error: <message>".
            const int at = line.indexOf("error: ");
            if (at >= 0)
                m_lastError = QString::fromUtf8(line.mid(at + 7));
            continue;
        }
        if (progress->runId >= 0 && progress->runId != m_runId) {
            m_runId = progress->runId;
            Q_EMIT runStarted(m_runId);
        }
        Q_EMIT progressChanged(progress->step.isEmpty() ? progress->stageName() : progress->step,
            progress->iteration, progress->total);
    }
}

QString ProfileJob::failureMessage(int exitCode, QProcess::ExitStatus status) const
{
    if (m_cancelled)
        return tr("The run was cancelled.");
    if (status == QProcess::CrashExit) {
        const char* name = exitCode > 0 ? strsignal(exitCode) : nullptr;
        return tr("The model crashed the profiling worker (%1). Memoscope itself is unaffected; the run is "
                  "listed as failed.")
            .arg(name ? QString::fromLocal8Bit(name) : tr("killed"));
    }
    const QString detail = m_lastError.isEmpty() ? tr("the worker exited with code %1").arg(exitCode) : m_lastError;
    switch (exitCode) {
    case ExitBadInput:
        return tr("The model could not be run with these settings: %1").arg(detail);
    case ExitModelFailed:
        return tr("The model failed while running: %1").arg(detail);
    case ExitOutOfMemory:
        return tr("The run ran out of memory under its limit: %1").arg(detail);
    default:
        return tr("Profiling failed: %1").arg(detail);
    }
}

void ProfileJob::markRunEndedThenReport(RunStatus status, const QString& message)
{
    // The worker could not record its own end. The store is written off the GUI thread, and `failed` or
    // `cancelled` is emitted only once it is, so whoever lists the runs next sees this status.
    const QString path = m_databasePath;
    const qint64 runId = m_runId;
    auto* watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher, runId, status, message] {
        watcher->deleteLater();
        if (status == RunStatus::Cancelled)
            Q_EMIT cancelled(runId);
        else
            Q_EMIT failed(runId, message);
    });
    watcher->setFuture(QtConcurrent::run([path, runId, status, message] {
        try {
            Store(path).markFailed(runId, message, status);
        } catch (const StoreError&) {
            // The run stays 'running' until the store reaps it as abandoned; nothing is lost.
        }
    }));
}

void ProfileJob::onFinished(int exitCode, QProcess::ExitStatus status)
{
    readProgress();
    m_output = m_process->readAllStandardOutput();
    if (status == QProcess::NormalExit && exitCode == ExitOk && !m_cancelled) {
        Q_EMIT finished(m_runId);
        return;
    }
    const QString message = failureMessage(exitCode, status);
    if (m_runId >= 0 && (status == QProcess::CrashExit || m_cancelled))
        markRunEndedThenReport(m_cancelled ? RunStatus::Cancelled : RunStatus::Failed, message);
    else if (m_cancelled)
        Q_EMIT cancelled(m_runId);
    else
        Q_EMIT failed(m_runId, message);
}

} // namespace memoscope
