// Runs compared phase by phase: boundaries land on the reference's, time between them is stretched linearly,
// and the mapping stays monotonic and invertible whatever the runs look like.
#include "core/PhaseAlignment.h"

#include <QtTest>

using namespace memoscope;

namespace {
PhaseSpan span(Phase phase, int iteration, qint64 start, qint64 end) { return PhaseSpan { phase, iteration, start, end }; }

// Two training iterations of forward, backward and optimizer step lasting the given nanoseconds each.
QVector<PhaseSpan> training(qint64 forward, qint64 backward, qint64 step)
{
    QVector<PhaseSpan> spans;
    qint64 t = 100;
    for (int iteration = 0; iteration < 2; ++iteration) {
        spans << span(Phase::Forward, iteration, t, t + forward);
        t += forward;
        spans << span(Phase::Backward, iteration, t, t + backward);
        t += backward;
        spans << span(Phase::Optimizer, iteration, t, t + step);
        t += step;
    }
    return spans;
}
}

class TestPhaseAlignment : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void boundariesLandOnTheReference()
    {
        const QVector<PhaseSpan> reference = training(1000, 2000, 300);
        const QVector<PhaseSpan> faster = training(250, 900, 300); // e.g. after int8: forward 4x faster
        const TimeWarp warp = alignPhases(reference, faster);
        QCOMPARE(warp.anchorCount(), 7); // the starts and ends of 6 spans that touch: 7 distinct boundaries
        for (int i = 0; i < faster.size(); ++i) {
            QCOMPARE(warp.toAxisNs(double(faster[i].startNs)), double(reference[i].startNs));
            QCOMPARE(warp.toAxisNs(double(faster[i].endNs)), double(reference[i].endNs));
        }
        // Halfway through the run's first forward is halfway through the reference's.
        QCOMPARE(warp.toAxisNs(100 + 125), 100 + 500.0);
    }

    void inverseUndoesTheWarp()
    {
        const TimeWarp warp = alignPhases(training(1000, 2000, 300), training(250, 900, 30));
        for (double runNs : { 0.0, 99.0, 100.0, 130.0, 351.0, 1200.0, 2959.0, 5000.0 })
            QVERIFY(qAbs(warp.toRunNs(warp.toAxisNs(runNs)) - runNs) < 1e-6);
        double previous = -1e18;
        for (double runNs = 0; runNs < 4000; runNs += 7) {
            const double axis = warp.toAxisNs(runNs);
            QVERIFY(axis > previous);
            previous = axis;
        }
    }

    // Before the first boundary and after the last, time runs at the run's own speed.
    void outsideTheMatchedPhasesTimeIsShifted()
    {
        const QVector<PhaseSpan> reference { span(Phase::Forward, 0, 1000, 2000) };
        const QVector<PhaseSpan> run { span(Phase::Forward, 0, 10, 510), span(Phase::Forward, 1, 510, 1010) };
        const TimeWarp warp = alignPhases(reference, run);
        QCOMPARE(warp.toAxisNs(0), 990.0);
        QCOMPARE(warp.toAxisNs(260), 1500.0);
        QCOMPARE(warp.toAxisNs(1010), 2500.0); // the unmatched second iteration follows at slope 1
    }

    void nothingInCommonIsTheIdentity()
    {
        const TimeWarp warp
            = alignPhases({ span(Phase::Forward, 0, 0, 10) }, { span(Phase::Backward, 0, 50, 60) });
        QCOMPARE(warp.anchorCount(), 0);
        QCOMPARE(warp.toAxisNs(55), 55.0);
        QCOMPARE(TimeWarp().toRunNs(12), 12.0);
    }

    // Phases in another order (inference run against a training run, say) never fold time back.
    void outOfOrderPhasesKeepTheMappingIncreasing()
    {
        const QVector<PhaseSpan> reference { span(Phase::Forward, 0, 0, 100), span(Phase::Backward, 0, 100, 200) };
        const QVector<PhaseSpan> run { span(Phase::Backward, 0, 0, 50), span(Phase::Forward, 0, 50, 100) };
        const TimeWarp warp = alignPhases(reference, run);
        double previous = -1e18;
        for (double runNs = -10; runNs < 120; runNs += 1) {
            const double axis = warp.toAxisNs(runNs);
            QVERIFY(axis > previous);
            previous = axis;
        }
    }
};

QTEST_GUILESS_MAIN(TestPhaseAlignment)
#include "tst_phasealignment.moc"
