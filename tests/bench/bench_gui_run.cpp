// GUI benchmark: time from pressing Run to the timeline drawn, for a real model in a real worker process.
// Not a test: it prints figures. Usage: bench_gui_run MODEL.pt INPUT_SPEC [REPEATS=3]
// Run it under xvfb-run (or with QT_QPA_PLATFORM=offscreen).

#include "ui/charts/TimelineView.h"
#include "ui/windows/MainWindow.h"
#include "ui/windows/RunPage.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstdio>

using namespace memoscope;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_gui_run MODEL.pt INPUT_SPEC [REPEATS=3]\n");
        return 2;
    }
    QStandardPaths::setTestModeEnabled(true);
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    QTemporaryDir dir;
    AppPaths paths;
    paths.workerPath = QStringLiteral(MEMOSCOPE_CLI);
    paths.databasePath = dir.filePath(QStringLiteral("bench.sqlite"));
    MainWindow window(paths);
    window.resize(1600, 1000);
    window.show();
    QTest::qWaitForWindowExposed(&window);

    RunConfig config;
    config.modelPath = QString::fromLocal8Bit(argv[1]);
    config.inputs = { QString::fromLocal8Bit(argv[2]) };
    std::vector<double> totals;
    for (int i = 0; i < repeats; ++i) {
        QSignalSpy shown(&window, &MainWindow::runShown);
        QSignalSpy drawn(window.runPage()->timeline(), &TimelineView::levelOfDetailDrawn);
        QElapsedTimer timer;
        timer.start();
        window.runModel(config); // what the Run button does once the settings are confirmed
        if (!shown.wait(600000))
            return 1;
        const double loaded = timer.nsecsElapsed() / 1e6;
        while (drawn.isEmpty() && drawn.wait(10000)) { }
        window.runPage()->timeline()->plot()->replot(); // the drawing itself
        const double total = timer.nsecsElapsed() / 1e6;
        totals.push_back(total);
        std::printf("run %d: worker finished and run loaded after %.0f ms, timeline drawn after %.0f ms\n", i + 1,
            loaded, total);
    }
    std::sort(totals.begin(), totals.end());
    std::printf("median from Run to timeline drawn: %.0f ms\n", totals[totals.size() / 2]);
    return 0;
}
