// The main window across sessions and jobs: what a restart brings back (the last run shown, the window's
// layout, the database), the title, and how a profiling job's end is shown (a cancel quietly).
#include "MainWindow.h"

#include "ComparePage.h"
#include "HistoryDock.h"
#include "RunPage.h"
#include "core/Store.h"
#include "ui/jobs/ProfileJob.h"

#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <algorithm>

namespace memoscope {

namespace {
    // The last run shown, per database: a restart reopens it.
    const QString LastRunKey = QStringLiteral("lastRunByDatabase");

    QString databaseKey(const QString& path) { return QFileInfo(path).absoluteFilePath(); }

    // Splitters whose positions a restart restores, by object name.
    QList<QSplitter*> namedSplitters(const QWidget* window)
    {
        QList<QSplitter*> named;
        for (QSplitter* splitter : window->findChildren<QSplitter*>())
            if (!splitter->objectName().isEmpty())
                named << splitter;
        return named;
    }
}

QString optimizedModelsFolder()
{
    // Beside the default run database (~/.local/share/memoscope/), not under Qt's per-application folder, which
    // would name memoscope twice (organisation and application).
    return QFileInfo(Store::defaultPath()).dir().filePath(QStringLiteral("optimized"));
}

void MainWindow::connectJob()
{
    connect(m_job, &ProfileJob::runStarted, this, [this](qint64 runId) {
        m_status->setText(tr("Profiling run %1…").arg(runId));
        m_loader->listRuns();
    });
    connect(m_job, &ProfileJob::progressChanged, this, [this](const QString& stage, int iteration, int total) {
        m_progress->setRange(0, std::max(1, total));
        m_progress->setValue(iteration);
        m_progress->setFormat(total > 0 ? tr("%1 %2/%3").arg(stage).arg(iteration).arg(total) : stage);
    });
    connect(m_job, &ProfileJob::finished, this, [this](qint64 runId) {
        const bool fromWorkbench = m_workbenchJob;
        setRunning(false);
        m_loader->listRuns();
        if (fromWorkbench)
            onWorkbenchJobFinished(runId);
        else
            openRun(runId);
    });
    connect(m_job, &ProfileJob::failed, this, [this](qint64 runId, const QString& message) {
        setRunning(false);
        m_loader->listRuns();
        m_status->setText(runId >= 0 ? tr("Run %1 failed").arg(runId) : tr("The run did not start"));
        showError(tr("The run failed"), message);
        Q_EMIT runFailed(runId, message);
    });
    // The user asked for it: no dialog, only the status bar and the history say so.
    connect(m_job, &ProfileJob::cancelled, this, [this](qint64 runId) {
        setRunning(false);
        m_loader->listRuns();
        m_status->setText(runId >= 0 ? tr("Run %1 cancelled").arg(runId) : tr("Cancelled"));
        Q_EMIT runCancelled(runId);
    });
}

void MainWindow::updateTitle()
{
    // The platform adds the application's display name ("runs.sqlite — Memoscope"): the title holds only what
    // changes.
    setWindowTitle(QFileInfo(databasePath()).fileName());
}

void MainWindow::rememberShownRun(qint64 runId)
{
    QSettings settings;
    QVariantMap lastRuns = settings.value(LastRunKey).toMap();
    lastRuns.insert(databaseKey(databasePath()), runId);
    settings.setValue(LastRunKey, lastRuns);
}

void MainWindow::startUp()
{
    const qint64 lastRun
        = QSettings().value(LastRunKey).toMap().value(databaseKey(databasePath()), qint64(-1)).toLongLong();
    const bool defaultDatabase = databaseKey(databasePath()) == databaseKey(Store::defaultPath());
    connect(
        m_loader, &RunLoader::runsListed, this,
        [this, lastRun, defaultDatabase](const QVector<RunSummary>& runs) {
            for (const RunSummary& run : runs)
                if (run.id == lastRun) {
                    openRun(lastRun);
                    return;
                }
            // The demo is profiled only into the default database, and only while it holds nothing: never a
            // run of its own in the user's other databases.
            if (runs.isEmpty() && defaultDatabase)
                openDemo();
        },
        Qt::SingleShotConnection);
    m_loader->listRuns();
}

void MainWindow::restoreSession()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (settings.value(QStringLiteral("window/geometry")).isNull())
        resize(1400, 900);
}

void MainWindow::setDefaultDockWidth()
{
    // Wide enough for the advisor's table and the history's columns; the centre keeps the rest.
    const int width = std::clamp(this->width() * 3 / 10, 360, 460);
    resizeDocks({ static_cast<QDockWidget*>(m_history) }, { width }, Qt::Horizontal);
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (m_layoutRestored)
        return;
    m_layoutRestored = true;
    // Dock sizes restored before the window has its size are laid out again, and lost, when it gets one: the
    // state is applied once more now, and the splitters with it.
    QSettings settings;
    if (!restoreState(settings.value(QStringLiteral("window/state")).toByteArray()))
        setDefaultDockWidth();
    for (QSplitter* splitter : namedSplitters(this))
        splitter->restoreState(settings.value(QStringLiteral("splitters/") + splitter->objectName()).toByteArray());
}

void MainWindow::saveSession()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("lastDatabase"), databasePath());
    for (QSplitter* splitter : namedSplitters(this))
        settings.setValue(QStringLiteral("splitters/") + splitter->objectName(), splitter->saveState());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSession();
    m_job->cancel();
    QMainWindow::closeEvent(event);
}

} // namespace memoscope
