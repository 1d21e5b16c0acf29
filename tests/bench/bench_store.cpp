// Store benchmark: how fast a run's events are written and read back. Not a test: it prints figures.
// Usage: bench_store [EVENTS] (default 1,000,000)

#include "core/Store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <cstdio>

using namespace memoscope;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const qint64 count = argc > 1 ? QByteArray(argv[1]).toLongLong() : 1000000;
    QTemporaryDir dir;
    Store store(dir.filePath(QStringLiteral("bench.sqlite")));

    RunTrace trace;
    for (int id = 0; id < 60; ++id) {
        Layer layer;
        layer.id = id;
        layer.path = id == 0 ? QStringLiteral("") : QStringLiteral("layer%1").arg(id);
        layer.type = QStringLiteral("Conv2d");
        layer.parentId = id == 0 ? -1 : 0;
        layer.depth = id == 0 ? 0 : 1;
        trace.layers << layer;
    }
    for (int id = 0; id < 40; ++id)
        trace.ops << QStringLiteral("aten::op%1").arg(id);
    trace.events.reserve(size_t(count));
    for (qint64 i = 0; i < count; ++i) {
        const bool free = i % 2 == 1;
        trace.events.push_back(Event { i * 1000, (free ? -1 : 1) * (64 + (i % 5000) * 64), qint32(i / 2),
            qint32(i % 40), qint32(i % 60), Phase(1 + i % 5), Category(i % 7) });
    }

    ModelInfo model;
    model.path = QStringLiteral("/bench/model.pt");
    model.sha256 = QStringLiteral("00");
    RunConfig config;
    config.modelPath = model.path;
    const qint64 runId = store.beginRun(store.recordModel(model), config);
    QElapsedTimer timer;
    timer.start();
    store.saveTrace(runId, trace, QVector<LayerStats>(trace.layers.size()));
    RunMetrics metrics;
    metrics.eventCount = count;
    store.finishRun(runId, RunStatus::Complete, QString(), metrics);
    const double writeSeconds = timer.nsecsElapsed() / 1e9;

    timer.restart();
    const std::optional<StoredRun> loaded = store.load(runId, true);
    const double loadSeconds = timer.nsecsElapsed() / 1e9;
    if (!loaded || qint64(loaded->trace.events.size()) != count) {
        std::fprintf(stderr, "bench_store: the run did not load back whole\n");
        return 1;
    }
    std::printf("events: %lld\n", static_cast<long long>(count));
    std::printf("write: %.3f s, %.0f events/s (goal: at least 1,000,000 events/s)\n", writeSeconds, count / writeSeconds);
    std::printf("load with events: %.3f s\n", loadSeconds);
    return 0;
}
