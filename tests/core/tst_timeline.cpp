#include "core/Timeline.h"

#include <QRandomGenerator>
#include <QtTest>
#include <algorithm>

using namespace memoscope;

namespace {
// A random run over four layers (root, a, a.x, b), every allocation freed later, times increasing.
std::shared_ptr<RunTrace> randomTrace(int allocations, quint32 seed)
{
    auto trace = std::make_shared<RunTrace>();
    auto layer = [](qint32 id, const char* path, qint32 parent, qint32 depth) {
        Layer l;
        l.id = id;
        l.path = QString::fromLatin1(path);
        l.type = QStringLiteral("T");
        l.parentId = parent;
        l.depth = depth;
        return l;
    };
    trace->layers = { layer(0, "", -1, 0), layer(1, "a", 0, 1), layer(2, "a.x", 1, 2), layer(3, "b", 0, 1) };
    trace->ops = { QStringLiteral("aten::mm") };
    QRandomGenerator random(seed);
    std::vector<Event> live;
    qint64 time = 0;
    for (int id = 0; id < allocations; ++id) {
        time += 1 + random.bounded(100);
        Event event { time, 1 + random.bounded(1 << 20), id, 0, qint32(random.bounded(5)) - 1,
            Phase(1 + random.bounded(5)), Category(random.bounded(7)) };
        trace->events.push_back(event);
        live.push_back(event);
        while (!live.empty() && random.bounded(3) == 0) {
            const size_t victim = random.bounded(quint32(live.size()));
            Event free = live[victim];
            time += 1 + random.bounded(100);
            free.timeNs = time;
            free.bytes = -free.bytes;
            trace->events.push_back(free);
            live.erase(live.begin() + qint64(victim));
        }
    }
    trace->opSpans = { OpSpan { 0, 2, Phase::Forward, 100, 200 } };
    trace->phases = { PhaseSpan { Phase::Forward, 0, 0, time } };
    return trace;
}

qint64 trueMaximum(const RunTrace& trace, qint64 fromNs, qint64 toNs)
{
    qint64 live = 0;
    qint64 best = 0;
    bool seen = false;
    for (const Event& event : trace.events) {
        if (event.timeNs > toNs)
            break;
        live += event.bytes;
        if (event.timeNs >= fromNs && (!seen || live > best)) {
            best = live;
            seen = true;
        }
    }
    return best;
}
}

class TestTimeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void neverHidesAPeak_data()
    {
        QTest::addColumn<int>("buckets");
        QTest::addColumn<double>("from"); // fraction of the run
        QTest::addColumn<double>("to");
        QTest::newRow("whole run, 50 columns") << 50 << 0.0 << 1.0;
        QTest::newRow("whole run, 1000 columns") << 1000 << 0.0 << 1.0;
        QTest::newRow("zoomed in") << 200 << 0.40 << 0.45;
        QTest::newRow("one column") << 1 << 0.1 << 0.9;
    }
    void neverHidesAPeak()
    {
        QFETCH(int, buckets);
        QFETCH(double, from);
        QFETCH(double, to);
        const auto trace = randomTrace(20000, 7);
        const Timeline timeline(trace);
        const qint64 fromNs = qint64(from * timeline.endNs());
        const qint64 toNs = qint64(to * timeline.endNs());
        for (StackBy by : { StackBy::Layer, StackBy::Category, StackBy::Phase }) {
            const TimelineSample sample = timeline.sample(by, fromNs, toNs, buckets);
            QVERIFY(sample.timeNs.size() <= buckets + 2);
            QCOMPARE(qint64(*std::max_element(sample.totalBytes.begin(), sample.totalBytes.end())),
                trueMaximum(*trace, fromNs, toNs));
            // The stack adds up to the total at every point.
            for (int point = 0; point < sample.timeNs.size(); ++point) {
                double sum = 0;
                for (const QVector<double>& series : sample.seriesBytes)
                    sum += series[point];
                QCOMPARE(sum, sample.totalBytes[point]);
            }
        }
    }

    void seriesFollowTopLevelLayers()
    {
        const Timeline timeline(randomTrace(100, 1));
        QCOMPARE(timeline.seriesCount(StackBy::Layer), 4); // <root>, a, b, (no layer)
        QCOMPARE(timeline.seriesName(StackBy::Layer, 1), QStringLiteral("a"));
        QCOMPARE(timeline.layerSeries(2), timeline.layerSeries(1)); // a.x is drawn with a
        QCOMPARE(timeline.seriesName(StackBy::Layer, timeline.layerSeries(-1)), QStringLiteral("(no layer)"));
        QCOMPARE(timeline.seriesCount(StackBy::Category), CategoryCount); // data included
    }

    void changeOverARange()
    {
        const auto trace = randomTrace(3000, 3);
        const Timeline timeline(trace);
        const qint64 fromNs = timeline.endNs() / 3;
        const qint64 toNs = 2 * timeline.endNs() / 3;
        const TimelineChange change = timeline.change(StackBy::Category, fromNs, toNs);
        qint64 before = 0;
        qint64 after = 0;
        QVector<qint64> byCategory(CategoryCount, 0);
        for (const Event& event : trace->events) {
            if (event.timeNs <= fromNs)
                before += event.bytes;
            if (event.timeNs <= toNs)
                after += event.bytes;
            if (event.timeNs > fromNs && event.timeNs <= toNs)
                byCategory[int(event.category)] += event.bytes;
        }
        QCOMPARE(change.fromBytes, before);
        QCOMPARE(change.toBytes, after);
        QCOMPARE(change.bySeries, byCategory);
    }

    void layerSubtreeOverTime()
    {
        const auto trace = randomTrace(2000, 5);
        const Timeline timeline(trace);
        const TimelineSample sample = timeline.sampleLayer(1, 0, timeline.endNs(), 100);
        qint64 live = 0;
        qint64 best = 0;
        for (const Event& event : trace->events)
            if (event.layerId == 1 || event.layerId == 2)
                best = std::max(best, live += event.bytes);
        QCOMPARE(qint64(*std::max_element(sample.totalBytes.begin(), sample.totalBytes.end())), best);
    }

    void momentNamesTheRunningOp()
    {
        const Timeline timeline(randomTrace(100, 9));
        const TimelineMoment moment = timeline.momentAt(150);
        QCOMPARE(moment.opId, 0);
        QCOMPARE(moment.layerId, 2);
        QCOMPARE(moment.phase, std::optional<Phase>(Phase::Forward));
        QCOMPARE(timeline.momentAt(250).opId, -1);
    }
};

QTEST_GUILESS_MAIN(TestTimeline)
#include "tst_timeline.moc"
