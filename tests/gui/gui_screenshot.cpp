// Takes screenshots of the main window on real runs, in a real window (run under xvfb-run by CTest), and saves
// them as test artefacts in OUTDIR:
// - main-window.png: resnet18 training step, layer1 selected;
// - workbench.png: the workbench beside it; workbench-distillation.png: set to distil;
// - compare.png: inference against training; compare-layers.png: their per-layer difference;
// - compare-optimized.png: the demo CNN pruned, int8 and distilled, beside the original; optimized-run.png: that run;
// - run-dialog.png: how a training run is set up.
// `gui_screenshot OUTDIR [WIDTHxHEIGHT]`: at 1600x1000 by default; another size adds "-WIDTHxHEIGHT" to every
// file name. Fails if a page did not draw.

#include "GuiSamples.h"
#include "support/TestSupport.h"
#include "ui/charts/TimelineView.h"
#include "ui/windows/ComparePage.h"
#include "ui/windows/MainWindow.h"
#include "ui/windows/HistoryDock.h"
#include "ui/windows/RunPage.h"
#include "ui/windows/RunSettingsDialog.h"
#include "ui/workbench/WorkbenchPanel.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QImage>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QTabWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <cstdio>

using namespace memoscope;

namespace {
bool save(QWidget* window, const QString& path)
{
    QTest::qWait(500); // let the last level of detail and the layout settle
    const QImage image = window->grab().toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    if (image.isNull() || colours.size() < 20 || !image.save(path)) {
        std::fprintf(stderr, "screenshot %s is empty or could not be saved\n", qPrintable(path));
        return false;
    }
    std::printf("saved %s (%dx%d, %lld colours sampled)\n", qPrintable(path), image.width(), image.height(),
        static_cast<long long>(colours.size()));
    return true;
}

RunConfig resnet(RunMode mode)
{
    RunConfig config;
    config.modelPath = test::fixture(QStringLiteral("resnet18"));
    config.inputs = { QStringLiteral("8x3x224x224") };
    config.mode = mode;
    config.iterations = 2;
    config.name = mode == RunMode::Train ? QStringLiteral("training step") : QStringLiteral("inference");
    return config;
}
}

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("memoscope"));
    QStandardPaths::setTestModeEnabled(true);
    const QString outDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("artifacts");
    const QString size = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QString();
    const QString suffix = size.isEmpty() ? QString() : QLatin1Char('-') + size;
    const QStringList sides = (size.isEmpty() ? QStringLiteral("1600x1000") : size).split(QLatin1Char('x'));
    if (sides.size() != 2 || sides[0].toInt() <= 0 || sides[1].toInt() <= 0) {
        std::fprintf(stderr, "the size must read WIDTHxHEIGHT, e.g. 1280x800\n");
        return 2;
    }
    QDir().mkpath(outDir);
    QTemporaryDir dir;

    AppPaths paths;
    paths.workerPath = test::cliPath();
    paths.databasePath = dir.filePath(QStringLiteral("runs.sqlite"));
    MainWindow window(paths);
    window.resize(sides[0].toInt(), sides[1].toInt());
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return 1;

    QSignalSpy shown(&window, &MainWindow::runShown);
    window.runModel(resnet(RunMode::Inference));
    if (!shown.wait(300000))
        return 1;
    window.runModel(resnet(RunMode::Train));
    if (!shown.wait(300000))
        return 1;
    QSignalSpy drawn(window.runPage()->timeline(), &TimelineView::levelOfDetailDrawn);
    drawn.wait(5000);
    window.runPage()->setStackBy(StackBy::Layer);
    const auto& layers = window.runPage()->run()->run.trace.layers;
    for (const Layer& layer : layers)
        if (layer.path == QLatin1String("layer1"))
            window.runPage()->selectLayer(layer.id);
    if (!save(&window, outDir + QStringLiteral("/main-window%1.png").arg(suffix)))
        return 1;
    if (auto* workbench = window.findChild<QDockWidget*>(QStringLiteral("workbenchDock"))) {
        workbench->raise();
        WorkbenchSettings settings;
        settings.structuredRatio = 0.5;
        settings.checkpoint = QStringLiteral("layer1,layer2"); // a training run: run options show
        window.workbench()->setSettings(settings);
        QSignalSpy advised(window.workbench(), &WorkbenchPanel::adviceReady);
        if (!window.workbench()->advice() && !advised.wait(60000))
            return 1; // the advisor's table is part of the picture
        if (!save(&window, outDir + QStringLiteral("/workbench%1.png").arg(suffix)))
            return 1;
        // Distillation of the pruned model, with its settings (further down the dock without run options).
        settings.checkpoint.clear();
        settings.distill = true;
        settings.distillData = QStringLiteral("demo-digits");
        window.workbench()->setSettings(settings);
        if (!save(&window, outDir + QStringLiteral("/workbench-distillation%1.png").arg(suffix)))
            return 1;
        window.history()->raise();
    }

    QSignalSpy compared(&window, &MainWindow::comparisonShown);
    window.compareRuns({ shown.at(0).first().toLongLong(), shown.at(1).first().toLongLong() });
    if (!compared.wait(60000))
        return 1;
    if (!save(&window, outDir + QStringLiteral("/compare%1.png").arg(suffix)))
        return 1;
    auto* tabs = window.comparePage()->findChild<QTabWidget*>();
    if (!tabs)
        return 1;
    tabs->setCurrentIndex(1); // the per-layer difference
    if (!save(&window, outDir + QStringLiteral("/compare-layers%1.png").arg(suffix)))
        return 1;

    // The demo CNN pruned, quantized and distilled from the workbench, beside the original: what it costs and
    // what it is still worth.
    window.runModel(test::demoCnnRun());
    if (!shown.wait(300000))
        return 1;
    window.workbench()->setSettings(test::prunedInt8Distilled());
    if (auto* apply = window.workbench()->findChild<QPushButton*>(QStringLiteral("applyAndRerun")))
        apply->click();
    if (!compared.wait(300000))
        return 1;
    tabs->setCurrentIndex(0);
    if (!save(&window, outDir + QStringLiteral("/compare-optimized%1.png").arg(suffix)))
        return 1;
    window.openRun(window.comparePage()->runs().last()->run.summary.id);
    if (!shown.wait(60000) || !save(&window, outDir + QStringLiteral("/optimized-run%1.png").arg(suffix)))
        return 1;

    RunConfig training = resnet(RunMode::Train);
    training.checkpoint = QStringLiteral("auto");
    training.amp = QStringLiteral("bf16");
    RunSettingsDialog dialog(training, &window);
    dialog.show();
    if (!QTest::qWaitForWindowExposed(&dialog))
        return 1;
    return save(&dialog, outDir + QStringLiteral("/run-dialog%1.png").arg(suffix)) ? 0 : 1;
}
