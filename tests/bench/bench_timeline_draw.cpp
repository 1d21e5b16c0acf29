// Timeline drawing benchmark: how quickly a 1,000,000-event run is shown, zoomed and replotted in a
// TimelineView of 1600x900. Not a test: it prints figures.
// Usage: bench_timeline_draw [PNG]   (runs offscreen unless a display is set; with PNG, saves the chart there)
//
// The run is synthetic but shaped like a real training run: 100 iterations of forward, backward and optimizer;
// 20 top-level layers of 3 modules each; activations kept in forward and freed in backward in a mixed order,
// temporaries made and freed within each op, gradients and Adam state; a few thousand allocations alive.

#include "ui/charts/TimelineView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QRandomGenerator>
#include <QTimer>
#include <algorithm>
#include <cstdio>

using namespace memoscope;

namespace {

struct Synthetic {
    std::shared_ptr<RunTrace> trace;
    RunMetrics metrics;
};

Synthetic synthesize()
{
    constexpr int iterations = 100;
    constexpr int topLevel = 20;
    constexpr int childrenPerLayer = 3;
    constexpr int forwardOps = 1630; // about 10,000 events per iteration
    Synthetic run;
    run.trace = std::make_shared<RunTrace>();
    RunTrace& t = *run.trace;
    auto addLayer = [&](const QString& path, qint32 parent, qint32 depth, const char* type) {
        Layer layer;
        layer.id = qint32(t.layers.size());
        layer.path = path;
        layer.type = QString::fromLatin1(type);
        layer.parentId = parent;
        layer.depth = depth;
        t.layers << layer;
        return layer.id;
    };
    addLayer(QString(), -1, 0, "Net");
    QVector<qint32> modules; // the leaves, in forward order
    for (int top = 0; top < topLevel; ++top) {
        const qint32 parent = addLayer(QStringLiteral("blocks.%1").arg(top), 0, 1, "Block");
        for (int child = 0; child < childrenPerLayer; ++child)
            modules << addLayer(QStringLiteral("blocks.%1.%2").arg(top).arg(child), parent, 2,
                child == 0 ? "Conv2d" : (child == 1 ? "BatchNorm2d" : "ReLU"));
    }
    const qint32 lossLayer = addLayer(QStringLiteral("loss"), 0, 1, "CrossEntropyLoss");
    t.layers.back().pseudo = true;
    t.ops = { QStringLiteral("aten::conv2d"), QStringLiteral("aten::batch_norm"), QStringLiteral("aten::relu"),
        QStringLiteral("aten::cross_entropy_loss"), QStringLiteral("autograd::ConvBackward"),
        QStringLiteral("aten::_foreach_add_") };

    QRandomGenerator random(2024);
    qint64 time = 0;
    qint32 nextId = 0;
    auto allocate = [&](qint64 bytes, qint32 op, qint32 layer, Phase phase, Category category) {
        t.events.push_back(Event { time, bytes, nextId++, op, layer, phase, category });
        time += 200 + random.bounded(800);
        return t.events.back();
    };
    auto release = [&](Event allocation) {
        allocation.timeNs = time;
        allocation.bytes = -allocation.bytes;
        t.events.push_back(allocation);
        time += 200 + random.bounded(800);
    };
    auto opOf = [&](qint32 layer) { return qint32((layer - 2) % (childrenPerLayer + 1)); }; // conv, batch norm, relu

    QVector<Event> parameters;
    for (qint32 module : modules)
        if (t.layers[module].type != QLatin1String("ReLU"))
            parameters << allocate(64 * 1024 * (1 + random.bounded(48)), -1, module, Phase::Setup, Category::Parameter);
    for (Event& parameter : t.events)
        parameter.timeNs = 0; // they existed before the measured iterations
    time = 1000;

    for (int iteration = 0; iteration < iterations; ++iteration) {
        QVector<Event> activations;
        QVector<Event> gradients;
        for (Phase phase : { Phase::Forward, Phase::Backward, Phase::Optimizer }) {
            const qint64 spanStart = time;
            if (phase == Phase::Forward || phase == Phase::Backward) {
                for (int o = 0; o < forwardOps; ++o) {
                    const int position = phase == Phase::Forward ? o : forwardOps - 1 - o;
                    const qint32 layer = o == forwardOps - 1 && phase == Phase::Forward
                        ? lossLayer
                        : modules[position % modules.size()];
                    const qint32 op = phase == Phase::Forward ? (layer == lossLayer ? 3 : opOf(layer)) : 4;
                    const qint64 opStart = time;
                    const qint64 bytes = 16 * 1024 * (1 + random.bounded(40));
                    if (phase == Phase::Forward) {
                        activations << allocate(bytes, op, layer, phase, Category::Activation);
                    } else if (!activations.isEmpty()) {
                        // Mostly last-in first-out, but the autograd engine's order is never exact.
                        const int window = std::min(48, int(activations.size()));
                        const int victim = int(activations.size()) - 1 - int(random.bounded(window));
                        release(activations[victim]);
                        activations.remove(victim);
                    }
                    const Event temporary = allocate(bytes / 2, op, layer, phase, Category::Temporary);
                    release(temporary);
                    t.opSpans.push_back(OpSpan { op, layer, phase, opStart, time });
                    time += 300;
                }
                if (phase == Phase::Backward)
                    for (const Event& parameter : parameters)
                        gradients << allocate(parameter.bytes, 4, parameter.layerId, phase, Category::Gradient);
            } else {
                for (const Event& parameter : parameters) {
                    const qint64 opStart = time;
                    if (iteration == 0) // Adam's two moments, kept from the first step on
                        for (int moment = 0; moment < 2; ++moment)
                            allocate(parameter.bytes, 5, parameter.layerId, phase, Category::OptimizerState);
                    release(allocate(parameter.bytes, 5, parameter.layerId, phase, Category::Temporary));
                    t.opSpans.push_back(OpSpan { 5, parameter.layerId, phase, opStart, time });
                    time += 300;
                }
                for (const Event& gradient : gradients)
                    release(gradient);
                for (const Event& activation : activations)
                    release(activation);
            }
            t.phases << PhaseSpan { phase, iteration, spanStart, time };
            time += 5000;
        }
    }

    qint64 live = 0;
    for (const Event& event : t.events) {
        live += event.bytes;
        if (live > run.metrics.peakBytes) {
            run.metrics.peakBytes = live;
            run.metrics.peakTimeNs = event.timeNs;
        }
    }
    run.metrics.eventCount = qint64(t.events.size());
    return run;
}

// Runs the event loop until the view has drawn a level of detail; false after 60 s.
bool waitForDraw(TimelineView* view)
{
    QEventLoop loop;
    bool drawn = false;
    const auto connection = QObject::connect(view, &TimelineView::levelOfDetailDrawn, &loop, [&] {
        drawn = true;
        loop.quit();
    });
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    loop.exec();
    QObject::disconnect(connection);
    return drawn;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);

    QElapsedTimer clock;
    clock.start();
    const Synthetic run = synthesize();
    const double synthesizeMs = double(clock.nsecsElapsed()) / 1e6;
    clock.restart();
    const auto timeline = std::make_shared<const Timeline>(run.trace);
    const double buildMs = double(clock.nsecsElapsed()) / 1e6;

    qint64 aliveAllocations = 0;
    qint64 mostAlive = 0;
    for (const Event& event : run.trace->events) {
        aliveAllocations += event.bytes > 0 ? 1 : -1;
        mostAlive = std::max(mostAlive, aliveAllocations);
    }

    TimelineView view;
    view.resize(1600, 900);
    view.show();
    QElapsedTimer settle;
    settle.start();
    while (settle.elapsed() < 300)
        QApplication::processEvents();

    clock.restart();
    view.setTimeline(timeline, run.metrics);
    const bool firstDrawn = waitForDraw(&view);
    const double firstDrawMs = double(clock.nsecsElapsed()) / 1e6;
    const int firstPoints = view.drawnPointCount();

    // Ten zoom steps towards the peak, each halving the visible time.
    const qint64 end = timeline->endNs();
    QVector<double> zoomMs;
    QVector<int> zoomPoints;
    qint64 width = end;
    for (int step = 0; step < 10; ++step) {
        width /= 2;
        const qint64 from = std::clamp<qint64>(run.metrics.peakTimeNs - width / 2, 0, end - width);
        clock.restart();
        view.setVisibleRange(from, from + width);
        if (!waitForDraw(&view))
            return std::fprintf(stderr, "zoom step %d never drew\n", step), 1;
        zoomMs << double(clock.nsecsElapsed()) / 1e6;
        zoomPoints << view.drawnPointCount();
    }
    QVector<double> sampleMs; // the worker's share of a zoom step, measured on its own
    width = end;
    for (int step = 0; step < 10; ++step) {
        width /= 2;
        const qint64 from = std::clamp<qint64>(run.metrics.peakTimeNs - width / 2, 0, end - width);
        clock.restart();
        const TimelineSample sample = timeline->sample(StackBy::Layer, from, from + width, 1600);
        sampleMs << double(clock.nsecsElapsed()) / 1e6;
    }

    view.resetZoom();
    waitForDraw(&view);
    QVector<double> replotMs;
    for (int i = 0; i < 10; ++i) {
        clock.restart();
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        replotMs << double(clock.nsecsElapsed()) / 1e6;
    }
    clock.restart();
    const TimelineSample whole = timeline->sample(StackBy::Layer, 0, end, view.plot()->axisRect()->width());
    const double wholeSampleMs = double(clock.nsecsElapsed()) / 1e6;

    std::printf("Timeline drawing benchmark (TimelineView %dx%d, plot area %d px wide, %s)\n", view.width(),
        view.height(), view.plot()->axisRect()->width(), qPrintable(QApplication::platformName()));
    std::printf("  run: %zu events, %lld top-level layer series, %d phase spans, %zu op spans, %lld allocations alive "
                "at most, peak %.1f MiB\n",
        run.trace->events.size(), qint64(timeline->seriesCount(StackBy::Layer)), int(run.trace->phases.size()),
        run.trace->opSpans.size(), mostAlive, double(run.metrics.peakBytes) / 1048576.0);
    std::printf("  synthesize the run:          %8.1f ms\n", synthesizeMs);
    std::printf("  build the Timeline:          %8.1f ms\n", buildMs);
    std::printf("  setTimeline -> first draw:   %8.1f ms  (%d points per series%s; includes the 30 ms debounce)\n",
        firstDrawMs, firstPoints, firstDrawn ? "" : ", NEVER DRAWN");
    std::printf("  zoom step (median of 10):    %8.1f ms  (setVisibleRange -> resampled and replotted; includes the "
                "30 ms debounce)\n",
        median(zoomMs));
    std::printf("  zoom steps, each:           ");
    for (double ms : zoomMs)
        std::printf(" %.1f", ms);
    std::printf(" ms\n  points per series per step: ");
    for (int points : zoomPoints)
        std::printf(" %d", points);
    std::printf("\n  Timeline::sample alone, same ranges (median): %.2f ms; whole run: %.2f ms (%d points)\n",
        median(sampleMs), wholeSampleMs, int(whole.timeNs.size()));
    std::printf("  plot()->replot() (median of 10): %.1f ms  (%d graphs, %d items)\n", median(replotMs),
        view.plot()->graphCount(), view.plot()->itemCount());

    if (argc > 1) {
        const QString path = QString::fromLocal8Bit(argv[1]);
        const bool saved = view.plot()->savePng(path, 1600, 900);
        std::printf("  chart saved to %s%s\n", argv[1], saved ? "" : " (FAILED)");
    }
    return firstDrawn ? 0 : 1;
}
