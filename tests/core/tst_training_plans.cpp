// The arithmetic behind --checkpoint budget= and sweep-batch, on figures whose answers are known.

#include "core/BatchSweep.h"
#include "core/CheckpointPlan.h"
#include "core/advisor/PeakSimulator.h"

#include <QtTest>

#include <algorithm>

using namespace memoscope;

class TestTrainingPlans : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fitRecoversALine()
    {
        QVector<BatchPeak> peaks;
        for (int batch : { 1, 2, 4, 8, 16 })
            peaks << BatchPeak { batch, 1000000 + 25000 * qint64(batch) };
        const BatchFit fit = fitBatchPeaks(peaks);
        QVERIFY(fit.valid);
        QCOMPARE(qRound64(fit.fixedBytes), qint64(1000000));
        QCOMPARE(qRound64(fit.bytesPerSample), qint64(25000));
        QCOMPARE(fit.rSquared, 1.0);
        QCOMPARE(fit.largestBatchWithin(1000000 + 25000 * 40 + 24999), 40);
        QCOMPARE(fit.largestBatchWithin(1000000 + 25000 * 41), 41);
        QCOMPARE(fit.largestBatchWithin(1000000), 0); // not even one sample
    }

    void fitIsLeastSquares()
    {
        // Points off the line y = 10 + 2x by +1, -1, -1, +1: the least-squares line is still y = 10 + 2x.
        const BatchFit fit = fitBatchPeaks({ { 1, 13 }, { 2, 13 }, { 3, 15 }, { 4, 19 } });
        QCOMPARE(fit.bytesPerSample, 2.0);
        QCOMPARE(fit.fixedBytes, 10.0);
        QVERIFY(fit.rSquared < 1.0);
    }

    void fitNeedsTwoSizesAndGrowth()
    {
        QVERIFY(!fitBatchPeaks({ { 4, 100 } }).valid);
        QVERIFY(!fitBatchPeaks({ { 4, 100 }, { 4, 120 } }).valid);
        QVERIFY(!fitBatchPeaks({ { 1, 100 }, { 2, 90 } }).valid);
    }

    // Parameters of 1000 bytes; block a keeps 100 bytes for backward and outputs 10, block b keeps 300 and
    // outputs 10; backward reaches b at 110 ns and a at 160 ns, each making a 50-byte gradient there.
    static RunTrace twoBlocks()
    {
        RunTrace trace;
        auto layer = [&](const QString& path) {
            Layer added;
            added.id = trace.layers.size();
            added.path = path;
            trace.layers << added;
            return added.id;
        };
        layer(QString());
        const qint32 a = layer(QStringLiteral("a"));
        const qint32 ax = layer(QStringLiteral("a.x"));
        const qint32 b = layer(QStringLiteral("b"));
        trace.phases = { { Phase::Forward, 0, 0, 100 }, { Phase::Backward, 0, 100, 200 } };
        qint32 nextId = 0;
        auto live = [&](qint64 from, qint64 to, qint64 bytes, qint32 layerId, Phase phase, Category category) {
            const qint32 id = nextId++;
            trace.events.push_back(Event { from, bytes, id, -1, layerId, phase, category });
            if (to >= 0)
                trace.events.push_back(Event { to, -bytes, id, -1, layerId, phase, category });
        };
        live(0, -1, 1000, -1, Phase::Setup, Category::Parameter);
        live(10, 190, 100, ax, Phase::Forward, Category::Activation);
        live(20, 180, 10, a, Phase::Forward, Category::Activation); // a's output
        live(30, 150, 300, b, Phase::Forward, Category::Activation);
        live(40, 140, 10, b, Phase::Forward, Category::Activation); // b's output
        live(110, -1, 50, b, Phase::Backward, Category::Gradient);
        live(160, -1, 50, a, Phase::Backward, Category::Gradient);
        std::sort(trace.events.begin(), trace.events.end(),
            [](const Event& x, const Event& y) { return x.timeNs < y.timeNs; });
        return trace;
    }

    static qint64 peakCheckpointing(const RunTrace& trace, const QStringList& segments)
    {
        RunConfig config;
        config.mode = RunMode::Train;
        Plan plan;
        plan.checkpointLayers = segments;
        return PeakSimulator(trace, config).predict(plan).peakBytes;
    }

    void replayMovesActivationsToTheRecompute()
    {
        const RunTrace trace = twoBlocks();
        QCOMPARE(peakCheckpointing(trace, {}), qint64(1470)); // as measured: at b's backward
        // b alone: its 300 bytes come back at its backward, when the peak was, and the recompute holds a copy of
        // b's 10-byte output and of its gradient besides: worse.
        QCOMPARE(peakCheckpointing(trace, { "b" }), qint64(1490));
        // a alone: its 100 bytes are gone until 160, after b's 300 were freed.
        QCOMPARE(peakCheckpointing(trace, { "a" }), qint64(1370));
        QCOMPARE(peakCheckpointing(trace, { "a", "b" }), qint64(1390));
    }

    void planPicksTheLeastRecomputeWithinBudget()
    {
        const RunTrace trace = twoBlocks();
        const QVector<CheckpointCandidate> candidates { { "a", 2.0 }, { "b", 1.0 } };
        RunConfig config;
        config.mode = RunMode::Train;
        const CheckpointPlan fits = planCheckpoints(trace, config, candidates, 1400);
        QVERIFY(fits.fits);
        QCOMPARE(fits.segments, QStringList { "a" }); // a and b fit too (1390), with more recompute
        QCOMPARE(fits.predictedPeakBytes, qint64(1370));
        QCOMPARE(fits.recomputeMs, 2.0);
        const CheckpointPlan generous = planCheckpoints(trace, config, candidates, 1470);
        QVERIFY(generous.fits);
        QVERIFY(generous.segments.isEmpty());
        const CheckpointPlan tight = planCheckpoints(trace, config, candidates, 1300);
        QVERIFY(!tight.fits);
        QCOMPARE(tight.predictedPeakBytes, qint64(1370));
    }
};

QTEST_GUILESS_MAIN(TestTrainingPlans)
#include "tst_training_plans.moc"
