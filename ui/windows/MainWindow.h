#pragma once
// The main window only composes: a start page, the run page and the compare page in a stack, the run
// history in a dock, and the profiling job and run loader that feed them.

#include "AppPaths.h"
#include "core/ModelInspection.h"
#include "ui/jobs/RunLoader.h"

#include <QMainWindow>
#include <QMap>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QStackedWidget;
class QToolButton;

namespace memoscope {

class ComparePage;
class HistoryDock;
class ModelIntake;
class ProfileJob;
class RecentFiles;
class RunPage;
class WorkbenchPanel;
struct WorkbenchSettings;

// Where the workbench saves the models it optimizes, one file per attempt.
QString optimizedModelsFolder();

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const AppPaths& paths, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Says at once when it is not a model; then shows its latest run, or asks how to run it. A .py file is made
    // TorchScript first (from-python), asking for the function and example inputs.
    void openModel(const QString& path);
    void openDemo(); // the demo's latest run, profiling it when it has none
    // What the app shows when started without a model: the last run shown in this database, else, in the
    // default database while it is empty, the demo, profiled.
    void startUp();
    void runModel(const RunConfig& config);
    void openRun(qint64 runId);
    void compareRuns(const QVector<qint64>& runIds);
    void openDatabase(const QString& path);
    // Transforms the shown run's model as the workbench says and profiles it beside its baseline.
    void applyWorkbench(const WorkbenchSettings& settings);

    RunPage* runPage() const { return m_runPage; }
    ComparePage* comparePage() const { return m_comparePage; }
    HistoryDock* history() const { return m_history; }
    WorkbenchPanel* workbench() const { return m_workbench; }
    ProfileJob* job() const { return m_job; }
    ModelIntake* intake() const { return m_intake; }
    RunLoader* loader() const { return m_loader; }
    QString databasePath() const { return m_loader->databasePath(); }

Q_SIGNALS:
    void runShown(qint64 runId);
    void comparisonShown();
    void runFailed(qint64 runId, const QString& message);
    void runCancelled(qint64 runId); // -1 when cancelled before the worker stored a run

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    QWidget* createStartPage();
    void createActions();
    void connectLoader();
    void connectJob();
    void updateTitle();
    void rememberShownRun(qint64 runId);
    void restoreSession();
    void saveSession();
    void setDefaultDockWidth();
    void askToRun(const RunConfig& initial);
    void setRunning(bool running);
    void showError(const QString& title, const QString& message);
    void showAbout();
    void onLatestRunFound(const QString& modelPath, qint64 runId, const RunConfig& config);
    void openPythonFile(const QString& path);
    QString askForModelFile();
    QDockWidget* createWorkbenchDock();
    void onWorkbenchJobFinished(qint64 runId);
    void showWorkbenchOutcome(const StoredRun& baseline, const StoredRun& result);

    AppPaths m_paths;
    QStackedWidget* m_pages;
    QWidget* m_startPage;
    RunPage* m_runPage;
    ComparePage* m_comparePage;
    HistoryDock* m_history;
    WorkbenchPanel* m_workbench;
    ProfileJob* m_job;
    RunLoader* m_loader;
    ModelIntake* m_intake;
    ModelInspection m_inspection; // of the model last opened: its signature fills the run dialog
    QMap<QString, QStringList> m_exampleInputs; // models made from Python: the examples they were made with
    RecentFiles* m_recent = nullptr;
    QLabel* m_status;
    QProgressBar* m_progress;
    QToolButton* m_cancelButton;
    QProgressBar* m_busy;
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QString m_pendingModel; // waiting for its latest run to be looked up
    bool m_profileIfNew = false; // the demo: profile without asking
    bool m_layoutRestored = false; // dock sizes and splitters, once the window has its size
    RunConfig m_lastConfig; // pre-fills the next Run dialog
    bool m_workbenchJob = false; // the job is the workbench's Apply and Rerun
    QStringList m_workbenchApplied; // what it applied, in the CLI's words
    struct PendingOutcome {
        qint64 baselineRunId;
        qint64 runId;
    };
    std::optional<PendingOutcome> m_pendingOutcome; // shown once the two runs are loaded to compare
};

} // namespace memoscope
