#pragma once
// Figures computed from a run's events: the peak and what was alive then, totals, and per-layer numbers.
// The profiler stores these with the run; the GUI and reports recompute or read them.

#include "Run.h"
#include "RunTrace.h"

namespace memoscope {

struct RunAnalysis {
    qint64 peakBytes = 0;
    qint64 peakTimeNs = 0;
    qint64 peakEventIndex = -1; // -1 when there are no events
    Phase peakPhase = Phase::Setup;
    qint32 peakLayerId = -1;
    qint32 peakOpId = -1;
    CategoryBytes categoriesAtPeak {};
    qint64 totalAllocatedBytes = 0;
    double attributedFraction = 1.0;
    qint64 unmatchedFrees = 0;
    QVector<LayerStats> layerStats; // indexed by layer id, the layer's own numbers
};

RunAnalysis analyzeTrace(const RunTrace& trace);

// Copies the peak, totals and attribution into the metrics stored with the run.
void applyAnalysis(const RunTrace& trace, const RunAnalysis& analysis, RunMetrics* metrics);

// Live bytes owned by each layer, and by each category, just after the event at `eventIndex`.
struct LiveBreakdown {
    qint64 totalBytes = 0;
    CategoryBytes byCategory {};
    QVector<qint64> byLayer;
    QVector<CategoryBytes> byLayerAndCategory; // what each layer owned of each kind (its weights, its activations)
    qint64 unattributedBytes = 0;
};
LiveBreakdown liveAfterEvent(const RunTrace& trace, qint64 eventIndex);

// A layer's numbers for people: own or including its children, times per iteration.
struct LayerRow {
    qint32 layerId = -1;
    QString path; // display path
    QString type;
    qint32 depth = 0;
    qint64 paramBytes = 0;
    qint64 paramCount = 0;
    qint64 allocatedBytes = 0;
    qint64 peakContributionBytes = 0;
    qint64 activationBytes = 0;
    double forwardMs = 0;
    double backwardMs = 0;
};
enum class LayerScope { Own, WithChildren };
QVector<LayerRow> layerRows(const QVector<Layer>& layers, const QVector<LayerStats>& stats, int iterations,
    LayerScope scope);

} // namespace memoscope
