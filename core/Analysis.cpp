#include "Analysis.h"

#include <algorithm>

namespace memoscope {

namespace {
    // Allocations outside forward and backward belong to a phase by nature (input, loss, optimizer step).
    bool isAttributed(const Event& event)
    {
        return event.layerId >= 0 || (event.phase != Phase::Forward && event.phase != Phase::Backward);
    }
}

LiveBreakdown liveAfterEvent(const RunTrace& trace, qint64 eventIndex)
{
    LiveBreakdown live;
    live.byLayer.fill(0, trace.layers.size());
    live.byLayerAndCategory.fill(CategoryBytes {}, trace.layers.size());
    const qint64 last = std::min<qint64>(eventIndex, qint64(trace.events.size()) - 1);
    for (qint64 i = 0; i <= last; ++i) {
        const Event& event = trace.events[size_t(i)];
        live.totalBytes += event.bytes;
        live.byCategory[int(event.category)] += event.bytes;
        if (event.layerId >= 0 && event.layerId < live.byLayer.size()) {
            live.byLayer[event.layerId] += event.bytes;
            live.byLayerAndCategory[event.layerId][int(event.category)] += event.bytes;
        } else
            live.unattributedBytes += event.bytes;
    }
    return live;
}

RunAnalysis analyzeTrace(const RunTrace& trace)
{
    RunAnalysis result;
    result.layerStats.fill(LayerStats {}, trace.layers.size());

    qint64 live = 0;
    qint64 attributedBytes = 0;
    for (size_t i = 0; i < trace.events.size(); ++i) {
        const Event& event = trace.events[i];
        live += event.bytes;
        if (live > result.peakBytes) {
            result.peakBytes = live;
            result.peakEventIndex = qint64(i);
        }
        if (event.bytes <= 0 || event.phase == Phase::Setup)
            continue;
        result.totalAllocatedBytes += event.bytes;
        if (isAttributed(event))
            attributedBytes += event.bytes;
        if (event.layerId >= 0 && event.layerId < result.layerStats.size()) {
            LayerStats& stats = result.layerStats[event.layerId];
            stats.allocatedBytes += event.bytes;
            if (event.category == Category::Activation)
                stats.activationBytes += event.bytes;
        }
    }
    if (result.totalAllocatedBytes > 0)
        result.attributedFraction = double(attributedBytes) / double(result.totalAllocatedBytes);

    const int iterations = std::max(1, trace.iterationCount());
    for (LayerStats& stats : result.layerStats)
        stats.activationBytes /= iterations;

    if (result.peakEventIndex >= 0) {
        const Event& peak = trace.events[size_t(result.peakEventIndex)];
        result.peakTimeNs = peak.timeNs;
        result.peakPhase = peak.phase;
        result.peakLayerId = peak.layerId;
        result.peakOpId = peak.opId;
        const LiveBreakdown atPeak = liveAfterEvent(trace, result.peakEventIndex);
        result.categoriesAtPeak = atPeak.byCategory;
        for (int layer = 0; layer < atPeak.byLayer.size(); ++layer)
            result.layerStats[layer].peakContributionBytes = atPeak.byLayer[layer];
    }
    return result;
}

void applyAnalysis(const RunTrace& trace, const RunAnalysis& analysis, RunMetrics* metrics)
{
    metrics->peakBytes = analysis.peakBytes;
    metrics->peakTimeNs = analysis.peakTimeNs;
    metrics->peakPhase = analysis.peakPhase;
    metrics->peakLayer = analysis.peakLayerId >= 0 ? trace.layers[analysis.peakLayerId].displayPath() : QString();
    metrics->peakOp = analysis.peakOpId >= 0 ? trace.ops.value(analysis.peakOpId) : QString();
    metrics->categoriesAtPeak = analysis.categoriesAtPeak;
    metrics->totalAllocatedBytes = analysis.totalAllocatedBytes;
    metrics->eventCount = qint64(trace.events.size());
    metrics->attributedFraction = analysis.attributedFraction;
}

QVector<LayerRow> layerRows(const QVector<Layer>& layers, const QVector<LayerStats>& stats, int iterations,
    LayerScope scope)
{
    const double perIterationMs = 1e-6 / std::max(1, iterations);
    QVector<LayerRow> rows(layers.size());
    for (const Layer& layer : layers) {
        LayerRow& row = rows[layer.id];
        row.layerId = layer.id;
        row.path = layer.displayPath();
        row.type = layer.type;
        row.depth = layer.depth;
        row.paramBytes = layer.paramBytes;
        row.paramCount = layer.paramCount;
        row.forwardMs = double(layer.forwardNs) * perIterationMs;
        row.backwardMs = double(layer.backwardNs) * perIterationMs;
        if (layer.id < stats.size()) {
            row.allocatedBytes = stats[layer.id].allocatedBytes;
            row.peakContributionBytes = stats[layer.id].peakContributionBytes;
            row.activationBytes = stats[layer.id].activationBytes;
        }
    }
    if (scope == LayerScope::Own)
        return rows;

    // Children have larger ids than their parents (modules are listed depth first), so one backward sweep
    // adds every subtree into its root.
    QVector<LayerRow> totals = rows;
    for (int id = layers.size() - 1; id >= 0; --id) {
        const int parent = layers[id].parentId;
        if (parent < 0 || layers[id].pseudo)
            continue;
        LayerRow& up = totals[parent];
        const LayerRow& child = totals[id];
        up.paramBytes += child.paramBytes;
        up.paramCount += child.paramCount;
        up.allocatedBytes += child.allocatedBytes;
        up.peakContributionBytes += child.peakContributionBytes;
        up.activationBytes += child.activationBytes;
        up.forwardMs += child.forwardMs;
        up.backwardMs += child.backwardMs;
    }
    return totals;
}

} // namespace memoscope
