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
    updateTitle();
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

    m_status->setObjectName(QStringLiteral("statusText"));
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

    connectLoader();

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
    connectJob();
    restoreSession();
    m_loader->listRuns();
}

void MainWindow::connectLoader()
{
    connect(m_loader, &RunLoader::runsListed, m_history, &HistoryDock::setRuns);
    connect(m_loader, &RunLoader::runLoaded, this, [this](const LoadedRunPtr& run) {
        m_runPage->showRun(run);
        m_pages->setCurrentWidget(m_runPage);
        if (run->run.summary.status == RunStatus::Complete)
            m_workbench->setBaseline(run);
        m_lastConfig = run->run.summary.config;
        m_runAction->setEnabled(!m_job->isRunning());
        m_status->setText(tr("Run %1 loaded").arg(run->run.summary.id));
        rememberShownRun(run->run.summary.id);
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
    tools->setObjectName(QStringLiteral("mainToolBar")); // saveState() restores toolbars and docks by name
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
    updateTitle();
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
