#pragma once
// Live bytes over time, stacked by top-level layer, by category or by phase, reduced to a level of detail
// that fits the screen. Each bucket keeps the moment of its highest total (and the stack as it was then),
// so no peak is ever hidden however far one zooms out. Built once per run in O(events); sampling a range
// costs O(events in the range), helped by checkpoints of the stacks every few thousand events.
// Immutable after construction, so samples can be computed on any thread.

#include "RunTrace.h"

#include <QStringList>
#include <QVector>
#include <memory>
#include <optional>
#include <vector>

namespace memoscope {

enum class StackBy { Layer, Category, Phase };

struct TimelineSample {
    QVector<double> timeNs;
    QVector<double> totalBytes;
    QStringList seriesNames;
    QVector<QVector<double>> seriesBytes; // [series][point]: each series' own bytes, not cumulative
};

struct TimelineMoment {
    qint64 timeNs = 0;
    qint64 liveBytes = 0;
    qint32 layerId = -1; // the layer running then, -1 when none
    qint32 opId = -1;
    std::optional<Phase> phase;
};

struct TimelineChange {
    qint64 fromBytes = 0;
    qint64 toBytes = 0;
    QVector<qint64> bySeries; // change per series of the stacking
};

class Timeline {
public:
    explicit Timeline(std::shared_ptr<const RunTrace> trace);

    const RunTrace& trace() const { return *m_trace; }
    qint64 endNs() const;
    int seriesCount(StackBy by) const;
    QString seriesName(StackBy by, int series) const;
    // The series a layer is drawn in when stacking by layer: its top-level ancestor's.
    int layerSeries(qint32 layerId) const;

    TimelineSample sample(StackBy by, qint64 fromNs, qint64 toNs, int buckets) const;
    // Live bytes owned by a layer and its descendants, same level of detail.
    TimelineSample sampleLayer(qint32 layerId, qint64 fromNs, qint64 toNs, int buckets) const;
    TimelineMoment momentAt(qint64 timeNs) const;
    TimelineChange change(StackBy by, qint64 fromNs, qint64 toNs) const;

private:
    using Stack = std::vector<qint64>; // one value per series of every stacking: layers, then categories, phases
    int offset(StackBy by) const;
    int seriesIndex(StackBy by, const Event& event) const;
    void apply(const Event& event, Stack* stack) const;
    qint64 firstEventAtOrAfter(qint64 timeNs) const;
    Stack stackBefore(qint64 eventIndex) const; // the stacks with events [0, eventIndex) applied

    std::shared_ptr<const RunTrace> m_trace;
    std::vector<qint64> m_total; // live bytes after each event
    QVector<int> m_seriesOfLayer; // layer id -> layer series
    QStringList m_layerSeriesNames; // the last is "(no layer)"
    std::vector<Stack> m_checkpoints; // stack before event k * checkpointInterval
};

} // namespace memoscope
