#include "MainWindow.h"

#include "ComparePage.h"
#include "HistoryDock.h"
#include "RecentFiles.h"
#include "RunPage.h"
#include "FromPythonDialog.h"
#include "ModelIntake.h"
#include "RunSettingsDialog.h"
#include "core/PredictionRecord.h"
#include "core/Store.h"
#include "core/StoreError.h"
#include "ui/jobs/ProfileJob.h"
#include "ui/reports/ReportDialog.h"
#include "ui/workbench/WorkbenchPanel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QInputDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QtConcurrent>
#include <QToolButton>
#include <QVBoxLayout>

namespace memoscope {

MainWindow::MainWindow(const AppPaths& paths, QWidget* parent)
    : QMainWindow(parent)
    , m_paths(paths)
    , m_pages(new QStackedWidget(this))
    , m_runPage(new RunPage(this))
    , m_comparePage(new ComparePage(this))
    , m_history(new HistoryDock(this))
    , m_workbench(new WorkbenchPanel(this))
    , m_job(new ProfileJob(paths.workerPath, paths.databasePath, this))
    , m_loader(new RunLoader(paths.databasePath, this))
    , m_intake(new ModelIntake(paths.workerPath, this))
    , m_status(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_cancelButton(new QToolButton(this))
    , m_busy(new QProgressBar(this))
{
    setWindowTitle(QStringLiteral("Memoscope"));
    setAcceptDrops(true);
    m_workbench->setDatabasePath(paths.databasePath);
    m_startPage = createStartPage();
    m_pages->addWidget(m_startPage);
    m_pages->addWidget(m_runPage);
    m_pages->addWidget(m_comparePage);
    setCentralWidget(m_pages);
    addDockWidget(Qt::RightDockWidgetArea, m_history);
    QDockWidget* workbench = createWorkbenchDock();
    addDockWidget(Qt::RightDockWidgetArea, workbench);
    tabifyDockWidget(m_history, workbench);
    m_history->raise();

    m_progress->setMaximumWidth(220);
    m_progress->setVisible(false);
    m_busy->setRange(0, 0); // indeterminate: loading in the background
    m_busy->setMaximumWidth(120);
    m_busy->setVisible(false);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_busy);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancelButton);
    createActions();
    m_cancelButton->setDefaultAction(m_cancelAction);
    m_cancelButton->setVisible(false);

    connect(m_history, &HistoryDock::openRequested, this, &MainWindow::openRun);
    connect(m_history, &HistoryDock::compareRequested, this, &MainWindow::compareRuns);
    connect(m_history, &HistoryDock::renameRequested, m_loader, &RunLoader::renameRun);
    connect(m_history, &HistoryDock::deleteRequested, m_loader, &RunLoader::deleteRun);

    connect(m_loader, &RunLoader::runsListed, m_history, &HistoryDock::setRuns);
    connect(m_loader, &RunLoader::runLoaded, this, [this](const LoadedRunPtr& run) {
        m_runPage->showRun(run);
        m_pages->setCurrentWidget(m_runPage);
        if (run->run.summary.status == RunStatus::Complete)
            m_workbench->setBaseline(run);
        m_lastConfig = run->run.summary.config;
        m_runAction->setEnabled(!m_job->isRunning());
        m_status->setText(tr("Run %1 loaded").arg(run->run.summary.id));
        Q_EMIT runShown(run->run.summary.id);
    });
    connect(m_loader, &RunLoader::runsLoaded, this, [this](const QVector<LoadedRunPtr>& runs) {
        m_comparePage->showRuns(runs);
        m_pages->setCurrentWidget(m_comparePage);
        if (m_pendingOutcome && runs.size() == 2 && runs[0]->run.summary.id == m_pendingOutcome->baselineRunId
            && runs[1]->run.summary.id == m_pendingOutcome->runId)
            showWorkbenchOutcome(runs[0]->run, runs[1]->run);
        m_pendingOutcome.reset();
        m_status->setText(tr("Comparing %1 runs").arg(runs.size()));
        Q_EMIT comparisonShown();
    });
    connect(m_loader, &RunLoader::latestRunFound, this, &MainWindow::onLatestRunFound);
    connect(m_loader, &RunLoader::failed, this, [this](const QString& message) {
        showError(tr("Cannot read the run database"), message);
    });
    connect(m_loader, &RunLoader::busyChanged, this, [this](bool busy) {
        m_busy->setVisible(busy);
        m_busy->setToolTip(busy ? tr("Loading from the run database…") : QString());
    });

    // Opening a model: inspect tells at once whether it is one, then its latest run is looked up.
    connect(m_intake, &ModelIntake::inspected, this, [this](const ModelInspection& inspection) {
        if (inspection.path != m_pendingModel)
            return; // the user has opened another model since
        m_inspection = inspection;
        m_loader->findLatestRun(inspection.path);
    });
    connect(m_intake, &ModelIntake::notAModel, this, [this](const QString& path, const QString& message) {
        if (path != m_pendingModel)
            return;
        m_pendingModel.clear();
        m_status->setText(tr("%1 is not a model Memoscope can run").arg(QFileInfo(path).fileName()));
        showError(tr("Cannot open the model"), message);
    });
    connect(m_intake, &ModelIntake::exported, this,
        [this](const QString& modelPath, const QStringList& examples, const QString& note) {
            m_exampleInputs[QFileInfo(modelPath).absoluteFilePath()] = examples;
            m_status->setText(note);
            openModel(modelPath);
        });
    connect(m_intake, &ModelIntake::exportFailed, this, [this](const QString& message) {
        m_status->clear();
        showError(tr("Could not make TorchScript"), message);
    });
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

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (settings.value(QStringLiteral("window/geometry")).isNull())
        resize(1400, 900);
    m_loader->listRuns();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createStartPage()
{
    auto* page = new QWidget(this);
    auto* title = new QLabel(tr("<h2>Memoscope</h2><p>Where does your model's memory go?</p>"
                                "<p>Open a TorchScript model (<tt>torch.jit.script</tt> or <tt>torch.jit.trace</tt>, "
                                "saved with <tt>.save(path)</tt>), or drop one on this window. Memoscope runs it in a "
                                "separate process and shows every allocation by layer, phase and kind.</p>"),
        page);
    title->setWordWrap(true);
    title->setAlignment(Qt::AlignCenter);
    auto* open = new QPushButton(tr("Open a model…"), page);
    auto* demo = new QPushButton(tr("Open the demo model"), page);
    demo->setEnabled(!m_paths.demoModelPath.isEmpty());
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = askForModelFile();
        if (!path.isEmpty())
            openModel(path);
    });
    connect(demo, &QPushButton::clicked, this, &MainWindow::openDemo);
    auto* layout = new QVBoxLayout(page);
    layout->addStretch();
    layout->addWidget(title);
    layout->addWidget(open, 0, Qt::AlignHCenter);
    layout->addWidget(demo, 0, Qt::AlignHCenter);
    layout->addStretch();
    return page;
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, [this] {
        const QString path = askForModelFile();
        if (!path.isEmpty())
            openModel(path);
    });
    open->setShortcut(QKeySequence::Open);
    m_recent = new RecentFiles(file->addMenu(tr("Open &Recent")), this);
    connect(m_recent, &RecentFiles::fileChosen, this, &MainWindow::openModel);
    file->addAction(tr("Open &Demo Model"), this, &MainWindow::openDemo)->setEnabled(!m_paths.demoModelPath.isEmpty());
    file->addAction(tr("Operator &Libraries…"), this, [this] {
        bool ok = false;
        const QString paths = QInputDialog::getMultiLineText(this, tr("Operator libraries"),
            tr("Shared libraries of custom operators to load before every model, one path per line (as "
               "torch.ops.load_library in Python; torchvision's load by themselves):"),
            ModelIntake::operatorLibraries().join(QLatin1Char('\n')), &ok);
        if (ok)
            ModelIntake::setOperatorLibraries(paths.split(QLatin1Char('\n'), Qt::SkipEmptyParts));
    });
    file->addSeparator();
    file->addAction(tr("Open Run &Database…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Open or create a run database"), databasePath(),
            tr("Memoscope runs (*.sqlite);;All files (*)"), nullptr, QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty())
            openDatabase(path);
    });
    file->addSeparator();
    QAction* exportReport = file->addAction(tr("&Export Report…"), this, [this] {
        QVector<qint64> runIds;
        if (m_pages->currentWidget() == m_comparePage)
            runIds = m_comparePage->runIds();
        else if (m_pages->currentWidget() == m_runPage && m_runPage->run())
            runIds = { m_runPage->run()->run.summary.id };
        if (runIds.isEmpty()) {
            showError(tr("Nothing to report"), tr("Open a run, or compare runs, to export a report of them."));
            return;
        }
        auto* dialog = new ReportDialog(databasePath(), runIds, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    exportReport->setObjectName(QStringLiteral("exportReportAction"));
    exportReport->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    m_runAction = run->addAction(tr("&Run…"), this, [this] { askToRun(m_lastConfig); });
    m_runAction->setShortcuts({ QKeySequence(Qt::Key_F5), QKeySequence(Qt::CTRL | Qt::Key_R) });
    m_runAction->setEnabled(false);
    m_cancelAction = run->addAction(tr("&Cancel"), m_job, &ProfileJob::cancel);
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setEnabled(false);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    auto* stacking = new QActionGroup(this);
    const std::pair<QString, StackBy> stacks[] = { { tr("Stack by &Layer"), StackBy::Layer },
        { tr("Stack by &Category"), StackBy::Category }, { tr("Stack by &Phase"), StackBy::Phase } };
    int key = Qt::Key_1;
    for (const auto& [label, by] : stacks) {
        QAction* action = view->addAction(label, this, [this, by = by] { m_runPage->setStackBy(by); });
        action->setCheckable(true);
        action->setChecked(by == StackBy::Layer);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(key++)));
        stacking->addAction(action);
    }
    view->addSeparator();
    view->addAction(m_history->toggleViewAction());
    if (auto* workbench = findChild<QDockWidget*>(QStringLiteral("workbenchDock")))
        view->addAction(workbench->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Memoscope"), this, &MainWindow::showAbout);

    QToolBar* tools = addToolBar(tr("Main"));
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->addAction(open);
    tools->addAction(m_runAction);
    tools->addAction(m_cancelAction);
}

QString MainWindow::askForModelFile()
{
    return QFileDialog::getOpenFileName(this, tr("Open a model"), QString(),
        tr("TorchScript models (*.pt *.pth *.ptl);;Python files, made TorchScript first (*.py);;All files (*)"));
}

void MainWindow::openModel(const QString& path)
{
    if (!QFileInfo(path).isFile()) {
        showError(tr("Cannot open the model"), tr("%1 is not a file.").arg(path));
        return;
    }
    if (path.endsWith(QLatin1String(".py"))) {
        openPythonFile(path);
        return;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    m_recent->add(absolute);
    m_pendingModel = absolute;
    m_profileIfNew = false;
    m_status->setText(tr("Opening %1…").arg(QFileInfo(absolute).fileName()));
    m_intake->inspect(absolute); // then its latest run is looked up (onInspected)
}

void MainWindow::openPythonFile(const QString& path)
{
    auto* dialog = new FromPythonDialog(path, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_status->setText(tr("Making TorchScript from %1…").arg(dialog->source()));
        m_intake->exportFromPython(dialog->source(), dialog->examples(), dialog->outPath());
    });
    dialog->open();
}

void MainWindow::openDemo()
{
    if (m_paths.demoModelPath.isEmpty())
        return;
    m_pendingModel = m_paths.demoModelPath;
    m_profileIfNew = true;
    m_loader->findLatestRun(m_paths.demoModelPath);
}

void MainWindow::onLatestRunFound(const QString& modelPath, qint64 runId, const RunConfig& config)
{
    if (modelPath != m_pendingModel)
        return; // the user has opened another model since
    m_pendingModel.clear();
    if (runId >= 0) {
        m_lastConfig = config;
        openRun(runId);
        return;
    }
    if (m_profileIfNew && modelPath == m_paths.demoModelPath) {
        runModel(demoRunConfig(modelPath));
        return;
    }
    RunConfig fresh;
    fresh.modelPath = modelPath;
    fresh.inputs = m_exampleInputs.value(modelPath);
    askToRun(fresh);
}

void MainWindow::askToRun(const RunConfig& initial)
{
    if (initial.modelPath.isEmpty() || m_job->isRunning())
        return;
    auto* dialog = new RunSettingsDialog(initial, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_inspection.path == QFileInfo(initial.modelPath).absoluteFilePath())
        dialog->setModelInspection(m_inspection);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { runModel(dialog->config()); });
    dialog->open();
}

void MainWindow::runModel(const RunConfig& config)
{
    if (m_job->isRunning())
        return;
    m_lastConfig = config;
    setRunning(true);
    m_status->setText(tr("Starting %1…").arg(QFileInfo(config.modelPath).fileName()));
    m_job->start(config);
}

void MainWindow::openRun(qint64 runId)
{
    m_status->setText(tr("Loading run %1…").arg(runId));
    m_loader->loadRun(runId);
}

void MainWindow::compareRuns(const QVector<qint64>& runIds)
{
    m_status->setText(tr("Loading %1 runs to compare…").arg(runIds.size()));
    m_loader->loadRuns(runIds);
}

void MainWindow::openDatabase(const QString& path)
{
    QSettings().setValue(QStringLiteral("lastDatabase"), path);
    m_paths.databasePath = path;
    m_job->setDatabasePath(path);
    m_loader->setDatabasePath(path);
    m_workbench->setDatabasePath(path);
    setWindowTitle(QStringLiteral("Memoscope — %1").arg(QFileInfo(path).fileName()));
}

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
    const QDir folder(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + QStringLiteral("/optimized"));
    if (!folder.mkpath(QStringLiteral("."))) {
        showError(tr("Cannot apply"), tr("Cannot create the folder %1 for optimized models.").arg(folder.path()));
        return;
    }
    const QString out = folder.filePath(QStringLiteral("%1-run%2-%3.pt")
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

void MainWindow::setRunning(bool running)
{
    if (!running)
        m_workbenchJob = false;
    m_workbench->setBusy(running);
    m_runAction->setEnabled(!running && !m_lastConfig.modelPath.isEmpty());
    m_cancelAction->setEnabled(running);
    m_cancelButton->setVisible(running);
    m_progress->setVisible(running);
    m_progress->setRange(0, 0);
}

void MainWindow::showError(const QString& title, const QString& message)
{
    // Not modal: the window stays usable, and nothing waits for the user to close it.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Memoscope"),
        tr("<h3>Memoscope %1</h3><p>Memory profiler and optimization advisor for PyTorch models.</p>"
           "<p>Qt %2 (built with %3)<br>LibTorch %4 (CPU), in the profiling worker</p>"
           "<p>Run database: %5</p>")
            .arg(QStringLiteral(MEMOSCOPE_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
                QStringLiteral(MEMOSCOPE_LIBTORCH_VERSION), databasePath().toHtmlEscaped()));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("lastDatabase"), databasePath());
    m_job->cancel();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        event->acceptProposedAction();
        openModel(urls.first().toLocalFile());
    }
}

} // namespace memoscope
