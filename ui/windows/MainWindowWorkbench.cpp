// The main window's optimization workbench: its dock, Apply and Rerun, and the comparison it opens after.
#include "MainWindow.h"

#include "RunPage.h"
#include "core/PredictionRecord.h"
#include "core/Store.h"
#include "core/StoreError.h"
#include "ui/jobs/ProfileJob.h"
#include "ui/workbench/WorkbenchPanel.h"

#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QScrollArea>
#include <QtConcurrent>

namespace memoscope {

QDockWidget* MainWindow::createWorkbenchDock()
{
    auto* dock = new QDockWidget(tr("Workbench"), this);
    dock->setObjectName(QStringLiteral("workbenchDock"));
    auto* scroll = new QScrollArea(dock);
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_workbench);
    dock->setWidget(scroll);
    connect(m_workbench, &WorkbenchPanel::applyRequested, this, &MainWindow::applyWorkbench);
    connect(m_runPage, &RunPage::layerSelected, this, [this](qint32 layerId) {
        const LoadedRunPtr run = m_runPage->run();
        const bool known = run && layerId >= 0 && layerId < run->run.trace.layers.size();
        // The root and pseudo-layers (the loss) are not layers a technique can leave out.
        m_workbench->setSelectedLayer(known && layerId > 0 && !run->run.trace.layers[layerId].pseudo
                ? run->run.trace.layers[layerId].path
                : QString());
    });
    return dock;
}

void MainWindow::applyWorkbench(const WorkbenchSettings& settings)
{
    const std::optional<StoredRun>& baseline = m_workbench->baseline();
    if (!baseline || m_job->isRunning())
        return;
    QString problem = settings.problem();
    if (problem.isEmpty())
        problem = settings.rerunProblem(baseline->summary.config);
    if (!problem.isEmpty()) {
        showError(tr("Cannot apply"), problem);
        return;
    }
    // Optimized models live with the app's data, one file per attempt, so every stored run's model stays.
    const QDir folder(optimizedModelsFolder());
    if (!folder.mkpath(QStringLiteral("."))) {
        showError(tr("Cannot apply"), tr("Cannot create the folder %1 for optimized models.").arg(folder.path()));
        return;
    }
    const QString out
        = folder.filePath(QStringLiteral("%1-run%2-%3.pt")
                              .arg(QFileInfo(baseline->summary.modelPath).completeBaseName())
                              .arg(baseline->summary.id)
                              .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"))));
    RunConfig config = baseline->summary.config;
    config.modelPath = baseline->summary.modelPath;
    setRunning(true);
    m_workbenchJob = true;
    if (settings.hasRunOptions()) {
        m_workbenchApplied = settings.runOptions();
        m_status->setText(tr("Profiling %1 again with %2…")
                              .arg(QFileInfo(config.modelPath).fileName(), m_workbenchApplied.join(QLatin1Char(' '))));
        m_job->start(settings.rerunConfig(config));
        return;
    }
    m_workbenchApplied = settings.applySteps();
    m_status->setText(tr("Optimizing %1: %2…")
                          .arg(QFileInfo(config.modelPath).fileName(), m_workbenchApplied.join(QStringLiteral(" → "))));
    m_job->startWorker(settings.optimizeArguments(config, out, databasePath()));
}

void MainWindow::onWorkbenchJobFinished(qint64 runId)
{
    // A rerun with run options compares with the shown run; an optimization with the original it profiled again
    // the same way (its JSON on stdout says which runs).
    qint64 baseline = m_workbench->baseline() ? m_workbench->baseline()->summary.id : -1;
    qint64 result = runId;
    const QJsonObject json = QJsonDocument::fromJson(m_job->output()).object();
    if (json.contains(QStringLiteral("optimized_run_id"))) {
        baseline = qint64(json.value(QStringLiteral("baseline_run_id")).toDouble(-1));
        result = qint64(json.value(QStringLiteral("optimized_run_id")).toDouble(-1));
    }
    if (baseline < 0 || result < 0) {
        showError(tr("The workbench's run finished without runs"),
            tr("The worker did not report the runs it stored; see the run history."));
        return;
    }
    m_pendingOutcome = PendingOutcome { baseline, result };
    compareRuns({ baseline, result });
}

void MainWindow::showWorkbenchOutcome(const StoredRun& baseline, const StoredRun& result)
{
    const qint64 peakBefore = baseline.metrics.peakBytes;
    const qint64 peakAfter = result.metrics.peakBytes;
    m_workbench->showOutcome(peakBefore, peakAfter, m_workbenchApplied.join(QStringLiteral(" → ")));
    const std::optional<qint64> saving = m_workbench->predictedSavingOfLastApply();
    if (!saving)
        return;
    // The prediction stays with the run that measured it, as `advise --apply` stores it. The saving predicted from
    // the shown run is laid on the baseline compared (the worker may have profiled the original again).
    PredictionRecord record;
    record.baselineRunId = baseline.summary.id;
    record.runId = result.summary.id;
    record.plan = m_workbenchApplied;
    record.baselinePeakBytes = peakBefore;
    record.predictedPeakBytes = peakBefore - *saving;
    record.measuredPeakBytes = peakAfter;
    const QString path = databasePath();
    (void)QtConcurrent::run([path, record] {
        try {
            Store(path).recordPrediction(record);
        } catch (const StoreError&) {
            // The comparison is shown either way; only the stored prediction error is lost.
        }
    });
}

} // namespace memoscope
