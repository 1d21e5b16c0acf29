// The desktop application, offscreen, driving a real worker process: open a model, run it, see its
// timeline and layer tree; a crashing model leaves the app running with a failed run listed; cancel; compare.

#include "core/PredictionRecord.h"
#include "core/Store.h"
#include "support/TestSupport.h"
#include "ui/charts/CompareTimelineView.h"
#include "ui/charts/TimelineView.h"
#include "ui/jobs/ProfileJob.h"
#include "GuiSamples.h"
#include "ui/models/CompareModel.h"
#include "ui/models/LayerDiffModel.h"
#include "ui/models/InputSpecModel.h"
#include "ui/models/LayerTreeModel.h"
#include "ui/models/RecommendationModel.h"
#include "ui/models/RunListModel.h"
#include "ui/windows/ComparePage.h"
#include "ui/windows/HistoryDock.h"
#include "ui/windows/MainWindow.h"
#include "ui/windows/RunPage.h"
#include "ui/windows/RunSettingsDialog.h"
#include "ui/workbench/WorkbenchAdvice.h"
#include "ui/workbench/WorkbenchPanel.h"

#include <QAbstractItemModelTester>
#include <QListWidget>
#include <QDockWidget>
#include <QHeaderView>
#include <QTableView>
#include <QMessageBox>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>
#include "ui/charts/QCustomPlotInclude.h"

using namespace memoscope;
using namespace memoscope::test;

namespace {
constexpr int workerTimeout = 120000;

RunConfig mlpConfig(RunMode mode)
{
    RunConfig config;
    config.modelPath = fixture(QStringLiteral("mlp"));
    config.inputs = { QStringLiteral("8x64") };
    config.mode = mode;
    config.iterations = 2;
    return config;
}

QStringList layerPaths(const LayerTreeModel* model, const QModelIndex& parent = {})
{
    QStringList paths;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        paths << index.data().toString() << layerPaths(model, index);
    }
    return paths;
}

RunStatus statusOf(const HistoryDock* history, qint64 runId)
{
    const int row = history->runs()->rowOfRun(runId);
    return row < 0 ? RunStatus::Running : history->runs()->runAt(row).status;
}
}

class TestGuiFlow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings and recent files go to a test location
        QVERIFY(m_dir.isValid());
    }

    void init()
    {
        AppPaths paths;
        paths.workerPath = cliPath();
        paths.databasePath = m_dir.filePath(QStringLiteral("runs-%1.sqlite").arg(++m_databases));
        paths.demoModelPath = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));
        m_window = std::make_unique<MainWindow>(paths);
        m_window->resize(1400, 900);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    void runsAModelAndShowsItsTimelineAndTree()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        QSignalSpy drawn(m_window->runPage()->timeline(), &TimelineView::levelOfDetailDrawn);
        m_window->runModel(mlpConfig(RunMode::Train));
        QVERIFY(shown.wait(workerTimeout));
        const qint64 runId = shown.first().first().toLongLong();
        QVERIFY(drawn.count() > 0 || drawn.wait(10000));

        const LoadedRunPtr run = m_window->runPage()->run();
        QCOMPARE(run->run.summary.id, runId);
        QCOMPARE(run->run.summary.status, RunStatus::Complete);
        QVERIFY(run->timeline->trace().events.size() > 50);

        // The timeline holds this run's data: a series per top-level layer, with points, reaching the peak.
        QCustomPlot* plot = m_window->runPage()->timeline()->plot();
        QVERIFY(plot->graphCount() >= run->timeline->seriesCount(StackBy::Layer));
        QVERIFY(m_window->runPage()->timeline()->drawnPointCount() > 0);
        double highest = 0;
        for (int g = 0; g < plot->graphCount(); ++g)
            for (auto it = plot->graph(g)->data()->constBegin(); it != plot->graph(g)->data()->constEnd(); ++it)
                highest = std::max(highest, it->value);
        QCOMPARE(qint64(highest), run->run.metrics.peakBytes);

        // The tree holds this run's layers.
        const QStringList paths = layerPaths(m_window->runPage()->layers());
        for (const char* name : { "fc1", "act1", "fc2", "act2", "fc3", "<loss>" })
            QVERIFY2(paths.contains(QLatin1String(name)), qPrintable(paths.join(QLatin1Char(' '))));
        QAbstractItemModelTester treeTester(m_window->runPage()->layers(),
            QAbstractItemModelTester::FailureReportingMode::QtTest);

        // Selecting a layer in the tree and clicking the timeline are linked.
        LayerTreeModel* layers = m_window->runPage()->layers();
        const QModelIndexList found = layers->match(layers->index(0, 0), Qt::DisplayRole, QStringLiteral("fc2"), 1,
            Qt::MatchRecursive | Qt::MatchExactly);
        QCOMPARE(found.size(), 1);
        const qint32 fc2 = layers->layerIdAt(found.first());
        QVERIFY(fc2 >= 0);
        m_window->runPage()->selectLayer(fc2);
        QCOMPARE(m_window->runPage()->selectedLayer(), fc2);
        Q_EMIT m_window->runPage()->timeline()->layerClicked(fc2);
        QCOMPARE(m_window->runPage()->selectedLayer(), fc2);

        // The history lists it.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->history()->runs()->rowOfRun(runId) >= 0, 10000);
        QAbstractItemModelTester historyTester(m_window->history()->runs(),
            QAbstractItemModelTester::FailureReportingMode::QtTest);
    }

    void openingANewModelAsksHowToRunIt()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->openModel(fixture(QStringLiteral("mlp")));
        RunSettingsDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = m_window->findChild<RunSettingsDialog*>()) != nullptr, 10000);
        QAbstractItemModelTester inputTester(dialog->inputs(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        dialog->inputs()->setSpecs({ QStringLiteral("8xAx64") });
        QVERIFY(!dialog->inputs()->isValid());
        dialog->inputs()->setSpecs({ QStringLiteral("4x64") });
        QVERIFY(dialog->inputs()->isValid());
        dialog->accept();
        QVERIFY(shown.wait(workerTimeout));
        QCOMPARE(m_window->runPage()->run()->run.summary.config.inputs, QStringList { QStringLiteral("4x64") });

        // Opening it again shows its latest run instead of asking.
        QSignalSpy again(m_window.get(), &MainWindow::runShown);
        m_window->openModel(fixture(QStringLiteral("mlp")));
        QVERIFY(again.wait(10000));
        QCOMPARE(again.first().first().toLongLong(), shown.first().first().toLongLong());
    }

    // Training options in the run dialog: a data set read batch by batch, checkpointing and bf16 autocast reach
    // the worker and are stored with the run.
    void runDialogSetsTrainingOptions()
    {
        RunSettingsDialog dialog(mlpConfig(RunMode::Inference), m_window.get());
        auto* data = dialog.findChild<QLineEdit*>(QStringLiteral("trainingData"));
        QVERIFY(!data->isEnabled()); // inference reads no data set
        dialog.findChild<QComboBox*>(QStringLiteral("mode"))->setCurrentIndex(1);
        QVERIFY(data->isEnabled());
        data->setText(QStringLiteral("demo-digits"));
        dialog.findChild<QCheckBox*>(QStringLiteral("streamData"))->setChecked(true);
        dialog.findChild<QLineEdit*>(QStringLiteral("checkpoint"))->setText(QStringLiteral("fc1,fc2"));
        dialog.findChild<QCheckBox*>(QStringLiteral("amp"))->setChecked(true);
        const RunConfig config = dialog.config();
        QCOMPARE(config.mode, RunMode::Train);
        QCOMPARE(config.data, QStringLiteral("demo-digits"));
        QCOMPARE(config.dataReading, DataReading::Streamed);
        QCOMPARE(config.checkpoint, QStringLiteral("fc1,fc2"));
        QCOMPARE(config.amp, QStringLiteral("bf16"));

        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        QSignalSpy failed(m_window.get(), &MainWindow::runFailed);
        m_window->runModel(config);
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() || !failed.isEmpty(), workerTimeout);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(1).toString()));
        const StoredRun& run = m_window->runPage()->run()->run;
        QCOMPARE(run.summary.config.dataReading, DataReading::Streamed);
        QCOMPARE(run.metrics.checkpointSegments, QStringList({ QStringLiteral("fc1"), QStringLiteral("fc2") }));
        QVERIFY(run.metrics.categoriesAtPeak[int(Category::Data)] > 0);
    }

    void crashingModelLeavesTheAppRunning()
    {
        QSignalSpy failed(m_window.get(), &MainWindow::runFailed);
        RunConfig config;
        config.modelPath = fixture(QStringLiteral("aborting"));
        config.inputs = { QStringLiteral("2x4") };
        m_window->runModel(config);
        QVERIFY(failed.wait(workerTimeout));
        const qint64 runId = failed.first().at(0).toLongLong();
        QVERIFY(runId > 0);
        QVERIFY2(failed.first().at(1).toString().contains(QStringLiteral("crashed")),
            qPrintable(failed.first().at(1).toString()));
        QVERIFY(m_window->isVisible());
        QVERIFY(m_window->findChild<QMessageBox*>(QStringLiteral("errorBox")) != nullptr);
        // The list is read again in the background after the failure; until then it may still show the run as
        // the list read while the worker was dying saw it (reaped, "crash or kill").
        const auto listed = [this, runId] {
            return m_window->history()->runs()->runAt(m_window->history()->runs()->rowOfRun(runId));
        };
        QTRY_VERIFY2_WITH_TIMEOUT(listed().error.contains(QStringLiteral("crashed")), qPrintable(listed().error), 10000);
        QCOMPARE(statusOf(m_window->history(), runId), RunStatus::Failed);

        // The app still runs models afterwards.
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->runModel(mlpConfig(RunMode::Inference));
        QVERIFY(shown.wait(workerTimeout));
    }

    void cancelStopsTheWorker()
    {
        QSignalSpy failed(m_window.get(), &MainWindow::runFailed);
        QSignalSpy cancelled(m_window.get(), &MainWindow::runCancelled);
        QSignalSpy progress(m_window->job(), &ProfileJob::progressChanged);
        RunConfig config;
        config.modelPath = fixture(QStringLiteral("resnet18"));
        config.inputs = { QStringLiteral("8x3x224x224") };
        config.mode = RunMode::Train;
        config.iterations = 200;
        m_window->runModel(config);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->job()->runId() > 0 && progress.count() >= 3, workerTimeout);
        m_window->job()->cancel();
        // Issue 18: a cancel is not a failure. Stored as cancelled, said in the status bar, no warning dialog.
        QVERIFY(cancelled.wait(30000));
        QVERIFY(failed.isEmpty());
        const qint64 runId = cancelled.first().at(0).toLongLong();
        QCOMPARE(runId, m_window->job()->runId());
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(m_window->history(), runId), RunStatus::Cancelled, 10000);
        QVERIFY(m_window->findChild<QMessageBox*>(QStringLiteral("errorBox")) == nullptr);
        QCOMPARE(m_window->findChild<QLabel*>(QStringLiteral("statusText"))->text(), QStringLiteral("Run %1 cancelled").arg(runId));
        QCOMPARE(Store(m_window->databasePath()).load(runId, false)->summary.status, RunStatus::Cancelled);
    }

    void comparesTwoRuns()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->runModel(mlpConfig(RunMode::Inference));
        QVERIFY(shown.wait(workerTimeout));
        m_window->runModel(mlpConfig(RunMode::Train));
        QVERIFY(shown.wait(workerTimeout));
        const QVector<qint64> ids { shown.at(0).first().toLongLong(), shown.at(1).first().toLongLong() };

        QSignalSpy compared(m_window.get(), &MainWindow::comparisonShown);
        m_window->compareRuns(ids);
        QVERIFY(compared.wait(10000));
        QCOMPARE(m_window->comparePage()->runIds(), ids);
        QCOMPARE(m_window->comparePage()->metrics()->runCount(), 2);
        QVERIFY(m_window->comparePage()->timelines()->findChild<QCustomPlot*>()->graphCount() >= 2);
        QAbstractItemModelTester tester(m_window->comparePage()->metrics(),
            QAbstractItemModelTester::FailureReportingMode::QtTest);

        // Aligned by phase (the default), the training run's first forward starts where the inference run's does;
        // in real time, each run's own clock is the axis.
        ComparePage* page = m_window->comparePage();
        auto firstForwardNs = [](const LoadedRunPtr& run) {
            for (const PhaseSpan& span : run->run.trace.phases)
                if (span.phase == Phase::Forward)
                    return span.startNs;
            return qint64(-1);
        };
        const qint64 forwardA = firstForwardNs(page->runs()[0]);
        const qint64 forwardB = firstForwardNs(page->runs()[1]);
        QVERIFY(forwardA >= 0 && forwardB >= 0 && forwardA != forwardB);
        QVERIFY(page->timelines()->alignedByPhase());
        QVERIFY(qAbs(page->timelines()->axisMsOf(1, forwardB) - page->timelines()->axisMsOf(0, forwardA)) < 1e-9);
        page->findChild<QCheckBox*>(QStringLiteral("alignPhases"))->setChecked(false);
        QVERIFY(!page->timelines()->alignedByPhase());
        QCOMPARE(page->timelines()->axisMsOf(1, forwardB), forwardB / 1e6);

        // The layer table: run B minus run A, every layer that changed (training keeps activations for backward).
        LayerDiffModel* layers = page->layerDifferences();
        QAbstractItemModelTester layerTester(layers, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(layers->runIdA(), ids[0]);
        QCOMPARE(layers->runIdB(), ids[1]);
        QVERIFY(layers->rowCount() > 0);
        page->compareLayers(1, 0);
        QCOMPARE(layers->runIdA(), ids[1]);
    }

    // The workbench transforms the shown run's model in the worker, profiles it beside a fresh baseline, and
    // shows both compared with the measured saving.
    void workbenchAppliesAndComparesBesideTheBaseline()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->runModel(mlpConfig(RunMode::Inference));
        QVERIFY(shown.wait(workerTimeout));
        WorkbenchPanel* bench = m_window->workbench();
        QVERIFY(bench->baseline().has_value());
        auto* apply = bench->findChild<QPushButton*>(QStringLiteral("applyAndRerun"));
        QVERIFY(!apply->isEnabled()); // nothing switched on yet
        // The advisor's recommendations for the shown run, one click from the switches.
        QTRY_VERIFY_WITH_TIMEOUT(bench->advice() != nullptr, 30000);
        const QVector<Recommendation>& recommendations = bench->advice()->advice().recommendations;
        auto* table = bench->findChild<QTableView*>(QStringLiteral("recommendations"));
        m_window->findChild<QDockWidget*>(QStringLiteral("workbenchDock"))->raise();
        QCOMPARE(table->model()->rowCount(), int(recommendations.size()));
        // Readable at the dock's default width: every column in view, what the lever changes given room.
        QTRY_VERIFY2(table->horizontalHeader()->length() <= table->viewport()->width(),
            qPrintable(QStringLiteral("%1 > %2").arg(table->horizontalHeader()->length()).arg(table->viewport()->width())));
        QVERIFY2(table->horizontalHeader()->sectionSize(RecommendationModel::ChangesColumn) >= 80,
            qPrintable(QString::number(table->horizontalHeader()->sectionSize(RecommendationModel::ChangesColumn))));
        int int8 = -1;
        for (int i = 0; i < recommendations.size(); ++i)
            if (recommendations[i].settings == QLatin1String("int8-dynamic"))
                int8 = i;
        QVERIFY2(int8 >= 0, "the advisor recommends int8-dynamic for an MLP's inference");
        bench->useRecommendation(int8);
        QCOMPARE(bench->settings().applySteps(), QStringList { QStringLiteral("int8-dynamic") });
        QVERIFY(apply->isEnabled());
        QVERIFY(bench->findChild<QLabel*>(QStringLiteral("workbenchSummary"))->text().contains(
            QStringLiteral("Predicted peak")));

        applyAndWaitForTheComparison(bench);
        if (QTest::currentTestFailed())
            return;
        const QVector<LoadedRunPtr>& runs = m_window->comparePage()->runs();
        QVERIFY(!runs[0]->run.optimization.has_value());
        QVERIFY(runs[1]->run.optimization.has_value());
        QCOMPARE(runs[1]->run.optimization->applied, QStringList { QStringLiteral("int8-dynamic") });
        // int8 weights: the MLP's Linear layers hold about a quarter of the bytes at the peak.
        QVERIFY2(runs[1]->run.metrics.peakBytes < runs[0]->run.metrics.peakBytes,
            qPrintable(QStringLiteral("%1 vs %2").arg(runs[1]->run.metrics.peakBytes).arg(runs[0]->run.metrics.peakBytes)));
        const QString outcome = bench->findChild<QLabel*>(QStringLiteral("workbenchOutcome"))->text();
        QVERIFY2(outcome.contains(QStringLiteral("measured saving")) && outcome.contains(QStringLiteral("; predicted "))
                && outcome.contains(QStringLiteral("the prediction was")),
            qPrintable(outcome));
        QVERIFY(apply->isEnabled());
        // The prediction is stored with the run that measured it.
        const qint64 optimizedId = runs[1]->run.summary.id;
        std::optional<PredictionRecord> prediction;
        QTRY_VERIFY_WITH_TIMEOUT(
            (prediction = Store(m_window->databasePath()).predictionOfRun(optimizedId)).has_value(), 10000);
        QCOMPARE(prediction->measuredPeakBytes, runs[1]->run.metrics.peakBytes);
        QVERIFY(prediction->predictedPeakBytes < prediction->baselinePeakBytes);
    }

    // A run option (gradient checkpointing) profiles the model again with it, beside the run it started from.
    void workbenchRerunsTrainingWithCheckpointing()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->runModel(mlpConfig(RunMode::Train));
        QVERIFY(shown.wait(workerTimeout));
        const qint64 baseline = shown.first().first().toLongLong();
        WorkbenchPanel* bench = m_window->workbench();
        // Boundaries picked on the timeline (a click selects the layer running then) and in the layer tree.
        auto* checkpointSelected = bench->findChild<QPushButton*>(QStringLiteral("checkpointSelected"));
        const QVector<Layer>& layers = m_window->runPage()->run()->run.trace.layers;
        const auto idOf = [&](const QString& path) {
            return int(std::find_if(layers.begin(), layers.end(), [&](const Layer& l) { return l.path == path; })
                - layers.begin());
        };
        Q_EMIT m_window->runPage()->timeline()->layerClicked(idOf(QStringLiteral("fc1")));
        QCOMPARE(checkpointSelected->text(), QStringLiteral("Checkpoint fc1"));
        checkpointSelected->click();
        m_window->runPage()->selectLayer(idOf(QStringLiteral("fc2")));
        QCOMPARE(checkpointSelected->text(), QStringLiteral("Checkpoint fc2"));
        checkpointSelected->click();
        QCOMPARE(bench->settings().checkpoint, QStringLiteral("fc1,fc2"));
        applyAndWaitForTheComparison(bench);
        if (QTest::currentTestFailed())
            return;
        const QVector<LoadedRunPtr>& runs = m_window->comparePage()->runs();
        QCOMPARE(runs[0]->run.summary.id, baseline);
        QCOMPARE(runs[1]->run.summary.config.checkpoint, QStringLiteral("fc1,fc2"));
        QCOMPARE(runs[1]->run.metrics.checkpointSegments, QStringList({ QStringLiteral("fc1"), QStringLiteral("fc2") }));
        const QString outcome = bench->findChild<QLabel*>(QStringLiteral("workbenchOutcome"))->text();
        QVERIFY2(outcome.contains(QStringLiteral("--checkpoint fc1,fc2")), qPrintable(outcome));
    }

    // The data set a training run held whole is streamed on a rerun: the data's bytes at the peak drop to a batch.
    void workbenchStreamsTheDataSet()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        RunConfig config = mlpConfig(RunMode::Train);
        config.inputs.clear();
        config.data = QStringLiteral("demo-digits");
        config.dataReading = DataReading::InMemory;
        config.batch = 32;
        m_window->runModel(config);
        QVERIFY(shown.wait(workerTimeout));
        WorkbenchSettings settings;
        settings.streamData = true;
        applyAndWaitForTheComparison(m_window->workbench(), settings);
        if (QTest::currentTestFailed())
            return;
        const QVector<LoadedRunPtr>& runs = m_window->comparePage()->runs();
        QCOMPARE(runs[1]->run.summary.config.data, QStringLiteral("demo-digits"));
        QCOMPARE(runs[1]->run.summary.config.dataReading, DataReading::Streamed);
        const qint64 held = runs[0]->run.metrics.categoriesAtPeak[int(Category::Data)];
        const qint64 streamed = runs[1]->run.metrics.categoriesAtPeak[int(Category::Data)];
        qInfo("demo digits, batch 32: data at the peak %lld bytes held whole, %lld streamed", held, streamed);
        QVERIFY(held > 1797 * 64 * 4); // every sample's 64 float32 features
        QVERIFY(streamed <= 2 * 32 * (64 * 4 + 8)); // at most two batches of features and labels
    }

    // Prune, quantize and distill the demo CNN from the workbench: the comparison shows what it costs and what
    // the model is still worth.
    void workbenchDistillsAPrunedInt8Student()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->runModel(demoCnnRun());
        QVERIFY(shown.wait(workerTimeout));
        applyAndWaitForTheComparison(m_window->workbench(), prunedInt8Distilled());
        if (QTest::currentTestFailed())
            return;
        const QVector<LoadedRunPtr>& runs = m_window->comparePage()->runs();
        QCOMPARE(runs[1]->run.optimization->applied,
            QStringList({ QStringLiteral("prune-structured=0.5"), QStringLiteral("int8-dynamic"), QStringLiteral("distill") }));
        const CompareModel* metrics = m_window->comparePage()->metrics();
        int accuracy = -1;
        for (int row = 0; row < metrics->rowCount(); ++row)
            if (metrics->index(row, CompareModel::MetricColumn).data().toString() == QLatin1String("Accuracy"))
                accuracy = row;
        QVERIFY(accuracy >= 0);
        const double original = metrics->index(accuracy, metrics->runColumn(0)).data(CompareModel::SortRole).toDouble();
        const double distilled = metrics->index(accuracy, metrics->runColumn(1)).data(CompareModel::SortRole).toDouble();
        const double pruned = runs[1]->run.optimization->accuracyByStep.value(1).accuracy;
        qInfo("digits held-out accuracy: original %.3f, pruned %.3f, pruned + int8 + distilled %.3f", original, pruned, distilled);
        QVERIFY(original > 0.95);
        QVERIFY(pruned < original - 0.02); // pruning costs accuracy...
        QVERIFY(distilled > pruned && distilled >= original - 0.02); // ...distillation wins it back within 2 points
        QVERIFY(runs[1]->run.model.paramBytes < runs[0]->run.model.paramBytes / 4);
        // The optimized run says what each step cost and what was cut, and why the rest was not.
        m_window->runPage()->showRun(runs[1]);
        const QLabel* summary = m_window->runPage()->findChild<QLabel*>(QStringLiteral("runSummary"));
        QVERIFY2(summary->text().contains(QStringLiteral("(prune-structured=0.5), then")), qPrintable(summary->text()));
        QVERIFY2(summary->toolTip().contains(QStringLiteral("conv1: 32 -&gt; 16"))
                && summary->toolTip().contains(QStringLiteral("fc2 (prune-structured=0.5): its channels reach")),
            qPrintable(summary->toolTip()));
    }

    void demoIsProfiledOnFirstStart()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        QSignalSpy failed(m_window.get(), &MainWindow::runFailed);
        QSignalSpy started(m_window->job(), &ProfileJob::runStarted);
        m_window->openDemo();
        QVERIFY2(shown.wait(workerTimeout), qPrintable(QStringLiteral("started %1, failed %2: %3, pool %4").arg(started.count()).arg(failed.count()).arg(failed.isEmpty() ? QString() : failed.first().at(1).toString()).arg(QThreadPool::globalInstance()->activeThreadCount())));
        QVERIFY(m_window->runPage()->run()->run.summary.modelPath.endsWith(QStringLiteral("digits_cnn.pt")));
    }

private:
    // Presses Apply and Rerun, which is busy while the worker runs, and waits for the comparison it opens.
    // With `settings`, sets them first. The comparison holds the run it started from and the new one.
    void applyAndWaitForTheComparison(WorkbenchPanel* bench, const std::optional<WorkbenchSettings>& settings = {})
    {
        if (settings)
            bench->setSettings(*settings);
        auto* apply = bench->findChild<QPushButton*>(QStringLiteral("applyAndRerun"));
        QVERIFY(apply->isEnabled());
        QSignalSpy compared(m_window.get(), &MainWindow::comparisonShown);
        QSignalSpy failed(m_window.get(), &MainWindow::runFailed);
        apply->click();
        QVERIFY(!apply->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!compared.isEmpty() || !failed.isEmpty(), workerTimeout);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(1).toString()));
        QCOMPARE(m_window->comparePage()->runs().size(), 2);
    }

    QTemporaryDir m_dir;
    int m_databases = 0;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestGuiFlow)
#include "tst_gui_flow.moc"
