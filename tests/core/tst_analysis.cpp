#include "core/Analysis.h"

#include <QtTest>

using namespace memoscope;

namespace {
Layer layer(qint32 id, const QString& path, qint32 parent, qint32 depth, qint64 paramBytes = 0)
{
    Layer l;
    l.id = id;
    l.path = path;
    l.type = QStringLiteral("T");
    l.parentId = parent;
    l.depth = depth;
    l.paramBytes = paramBytes;
    return l;
}

// root, a, a.x, b; parameters in a.x; one iteration whose peak (200 B) is an unattributed forward allocation.
RunTrace smallTrace()
{
    RunTrace trace;
    trace.layers = { layer(0, QString(), -1, 0), layer(1, QStringLiteral("a"), 0, 1),
        layer(2, QStringLiteral("a.x"), 1, 2, 100), layer(3, QStringLiteral("b"), 0, 1) };
    trace.ops = { QStringLiteral("aten::linear") };
    trace.phases = { PhaseSpan { Phase::Input, 0, 1, 2 }, PhaseSpan { Phase::Forward, 0, 2, 7 } };
    trace.events = {
        Event { 0, 100, 0, -1, 2, Phase::Setup, Category::Parameter },
        Event { 1, 10, 1, -1, -1, Phase::Input, Category::Input },
        Event { 2, 50, 2, 0, 1, Phase::Forward, Category::Activation },
        Event { 3, 30, 3, 0, 3, Phase::Forward, Category::Temporary },
        Event { 4, -30, 3, 0, 3, Phase::Forward, Category::Temporary },
        Event { 5, 40, 4, 0, -1, Phase::Forward, Category::Temporary },
        Event { 6, -40, 4, 0, -1, Phase::Forward, Category::Temporary },
    };
    return trace;
}
}

class TestAnalysis : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void findsThePeakAndWhatWasAlive()
    {
        const RunTrace trace = smallTrace();
        const RunAnalysis analysis = analyzeTrace(trace);
        QCOMPARE(analysis.peakBytes, qint64(200));
        QCOMPARE(analysis.peakEventIndex, qint64(5));
        QCOMPARE(analysis.peakTimeNs, qint64(5));
        QCOMPARE(analysis.peakPhase, Phase::Forward);
        QCOMPARE(analysis.peakLayerId, -1);
        QCOMPARE(analysis.categoriesAtPeak[int(Category::Parameter)], qint64(100));
        QCOMPARE(analysis.categoriesAtPeak[int(Category::Input)], qint64(10));
        QCOMPARE(analysis.categoriesAtPeak[int(Category::Activation)], qint64(50));
        QCOMPARE(analysis.categoriesAtPeak[int(Category::Temporary)], qint64(40));
        QCOMPARE(analysis.categoriesAtPeak[int(Category::Gradient)], qint64(0));
    }

    void countsAllocationsAndAttribution()
    {
        const RunAnalysis analysis = analyzeTrace(smallTrace());
        QCOMPARE(analysis.totalAllocatedBytes, qint64(130)); // setup memory is not allocated in the iterations
        QCOMPARE(analysis.attributedFraction, 90.0 / 130.0); // the 40 B forward allocation has no layer
        QCOMPARE(analysis.layerStats[1].allocatedBytes, qint64(50));
        QCOMPARE(analysis.layerStats[1].activationBytes, qint64(50));
        QCOMPARE(analysis.layerStats[3].allocatedBytes, qint64(30));
        QCOMPARE(analysis.layerStats[3].peakContributionBytes, qint64(0));
        QCOMPARE(analysis.layerStats[2].peakContributionBytes, qint64(100));
    }

    void layerRowsAddChildrenIntoParents()
    {
        const RunTrace trace = smallTrace();
        const RunAnalysis analysis = analyzeTrace(trace);
        const QVector<LayerRow> own = layerRows(trace.layers, analysis.layerStats, 1, LayerScope::Own);
        const QVector<LayerRow> total = layerRows(trace.layers, analysis.layerStats, 1, LayerScope::WithChildren);
        QCOMPARE(own[0].peakContributionBytes, qint64(0));
        QCOMPARE(total[0].peakContributionBytes, qint64(150));
        QCOMPARE(total[1].peakContributionBytes, qint64(150));
        QCOMPARE(total[0].paramBytes, qint64(100));
        QCOMPARE(total[0].allocatedBytes, qint64(80));
        QCOMPARE(total[0].path, QStringLiteral("<root>"));
    }

    void liveBreakdownAtAnyEvent()
    {
        const LiveBreakdown live = liveAfterEvent(smallTrace(), 3);
        QCOMPARE(live.totalBytes, qint64(190));
        QCOMPARE(live.byLayer[3], qint64(30));
        QCOMPARE(live.unattributedBytes, qint64(10));
    }

    void emptyTraceHasNoPeak()
    {
        const RunAnalysis analysis = analyzeTrace(RunTrace {});
        QCOMPARE(analysis.peakBytes, qint64(0));
        QCOMPARE(analysis.peakEventIndex, qint64(-1));
        QCOMPARE(analysis.attributedFraction, 1.0);
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
