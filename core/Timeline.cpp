#include "Timeline.h"

#include <algorithm>

namespace memoscope {

namespace {
    constexpr qint64 checkpointInterval = 4096;
}

Timeline::Timeline(std::shared_ptr<const RunTrace> trace)
    : m_trace(std::move(trace))
{
    const RunTrace& t = *m_trace;
    // Series for top-level layers in module order; the root's own work and pseudo-layers get their own.
    QVector<int> seriesOfTop(t.layers.size(), -1);
    m_seriesOfLayer.fill(-1, t.layers.size());
    for (const Layer& layer : t.layers) {
        const qint32 top = t.topLevelLayer(layer.id);
        if (seriesOfTop[top] < 0) {
            seriesOfTop[top] = int(m_layerSeriesNames.size());
            m_layerSeriesNames << t.layers[top].displayPath();
        }
        m_seriesOfLayer[layer.id] = seriesOfTop[top];
    }
    m_layerSeriesNames << QStringLiteral("(no layer)");

    m_total.reserve(t.events.size());
    Stack stack(size_t(offset(StackBy::Phase) + PhaseCount), 0);
    qint64 live = 0;
    for (size_t i = 0; i < t.events.size(); ++i) {
        if (qint64(i) % checkpointInterval == 0)
            m_checkpoints.push_back(stack);
        apply(t.events[i], &stack);
        live += t.events[i].bytes;
        m_total.push_back(live);
    }
}

qint64 Timeline::endNs() const
{
    qint64 end = m_trace->events.empty() ? 0 : m_trace->events.back().timeNs;
    for (const PhaseSpan& span : m_trace->phases)
        end = std::max(end, span.endNs);
    return end;
}

int Timeline::offset(StackBy by) const
{
    switch (by) {
    case StackBy::Layer:
        return 0;
    case StackBy::Category:
        return int(m_layerSeriesNames.size());
    case StackBy::Phase:
        return int(m_layerSeriesNames.size()) + CategoryCount;
    }
    return 0;
}

int Timeline::seriesCount(StackBy by) const
{
    switch (by) {
    case StackBy::Layer:
        return int(m_layerSeriesNames.size());
    case StackBy::Category:
        return CategoryCount;
    case StackBy::Phase:
        return PhaseCount;
    }
    return 0;
}

QString Timeline::seriesName(StackBy by, int series) const
{
    switch (by) {
    case StackBy::Layer:
        return m_layerSeriesNames.value(series);
    case StackBy::Category:
        return categoryLabel(Category(series));
    case StackBy::Phase:
        return phaseName(Phase(series));
    }
    return QString();
}

int Timeline::layerSeries(qint32 layerId) const
{
    return layerId >= 0 && layerId < m_seriesOfLayer.size() ? m_seriesOfLayer[layerId]
                                                            : int(m_layerSeriesNames.size()) - 1;
}

int Timeline::seriesIndex(StackBy by, const Event& event) const
{
    switch (by) {
    case StackBy::Layer:
        return layerSeries(event.layerId);
    case StackBy::Category:
        return int(event.category);
    case StackBy::Phase:
        return int(event.phase);
    }
    return 0;
}

void Timeline::apply(const Event& event, Stack* stack) const
{
    for (StackBy by : { StackBy::Layer, StackBy::Category, StackBy::Phase })
        (*stack)[size_t(offset(by) + seriesIndex(by, event))] += event.bytes;
}

qint64 Timeline::firstEventAtOrAfter(qint64 timeNs) const
{
    const auto& events = m_trace->events;
    const auto it = std::lower_bound(
        events.begin(), events.end(), timeNs, [](const Event& event, qint64 time) { return event.timeNs < time; });
    return qint64(it - events.begin());
}

Timeline::Stack Timeline::stackBefore(qint64 eventIndex) const
{
    if (m_checkpoints.empty())
        return Stack(size_t(offset(StackBy::Phase) + PhaseCount), 0);
    const qint64 checkpoint = std::min<qint64>(eventIndex / checkpointInterval, qint64(m_checkpoints.size()) - 1);
    Stack stack = m_checkpoints[size_t(checkpoint)];
    for (qint64 i = checkpoint * checkpointInterval; i < eventIndex; ++i)
        apply(m_trace->events[size_t(i)], &stack);
    return stack;
}

TimelineSample Timeline::sample(StackBy by, qint64 fromNs, qint64 toNs, int buckets) const
{
    TimelineSample result;
    const int series = seriesCount(by);
    for (int s = 0; s < series; ++s)
        result.seriesNames << seriesName(by, s);
    result.seriesBytes.resize(series);
    if (toNs <= fromNs || buckets <= 0)
        return result;

    const qint64 first = firstEventAtOrAfter(fromNs);
    const qint64 last = firstEventAtOrAfter(toNs + 1); // events at toNs belong to the range
    const double width = double(toNs - fromNs) / buckets;

    // Pass 1: per bucket, the event with the highest total (ties: the first).
    std::vector<qint64> chosen;
    chosen.reserve(size_t(buckets) + 1);
    qint64 bucketOfChosen = -1;
    for (qint64 i = first; i < last; ++i) {
        const qint64 bucket = std::min<qint64>(buckets - 1, qint64((m_trace->events[size_t(i)].timeNs - fromNs) / width));
        if (bucket != bucketOfChosen) {
            chosen.push_back(i);
            bucketOfChosen = bucket;
        } else if (m_total[size_t(i)] > m_total[size_t(chosen.back())]) {
            chosen.back() = i;
        }
    }

    // Pass 2: replay the stack and take it at each chosen event. The state at the left edge comes first and
    // the state at the right edge last, so the drawn line spans the whole range.
    Stack stack = stackBefore(first);
    const int base = offset(by);
    auto push = [&](double time, qint64 total) {
        result.timeNs << time;
        result.totalBytes << double(total);
        for (int s = 0; s < series; ++s)
            result.seriesBytes[s] << double(stack[size_t(base + s)]);
    };
    const qint64 totalBefore = first > 0 ? m_total[size_t(first - 1)] : 0;
    push(double(fromNs), totalBefore);
    qint64 i = first;
    for (qint64 index : chosen) {
        for (; i <= index; ++i)
            apply(m_trace->events[size_t(i)], &stack);
        push(double(m_trace->events[size_t(index)].timeNs), m_total[size_t(index)]);
    }
    for (; i < last; ++i)
        apply(m_trace->events[size_t(i)], &stack);
    push(double(toNs), last > 0 ? m_total[size_t(last - 1)] : 0);
    return result;
}

TimelineSample Timeline::sampleLayer(qint32 layerId, qint64 fromNs, qint64 toNs, int buckets) const
{
    const RunTrace& t = *m_trace;
    QVector<bool> inSubtree(t.layers.size(), false);
    for (const Layer& layer : t.layers) // parents come before children
        inSubtree[layer.id] = layer.id == layerId || (layer.parentId >= 0 && inSubtree[layer.parentId]);

    TimelineSample result;
    result.seriesNames << (layerId >= 0 && layerId < t.layers.size() ? t.layers[layerId].displayPath() : QString());
    result.seriesBytes.resize(1);
    if (toNs <= fromNs || buckets <= 0)
        return result;
    const double width = double(toNs - fromNs) / buckets;
    qint64 live = 0;
    qint64 bucket = -1;
    result.timeNs << double(fromNs);
    result.totalBytes << 0;
    for (const Event& event : t.events) {
        if (event.layerId < 0 || !inSubtree[event.layerId])
            continue;
        if (event.timeNs > toNs)
            break;
        live += event.bytes;
        if (event.timeNs < fromNs) {
            result.totalBytes.front() = double(live); // the state at the left edge
            continue;
        }
        // One point per bucket, at its highest value.
        const qint64 b = std::min<qint64>(buckets - 1, qint64((event.timeNs - fromNs) / width));
        if (b != bucket) {
            result.timeNs << double(event.timeNs);
            result.totalBytes << double(live);
            bucket = b;
        } else if (live > result.totalBytes.back()) {
            result.timeNs.back() = double(event.timeNs);
            result.totalBytes.back() = double(live);
        }
    }
    result.timeNs << double(toNs);
    result.totalBytes << double(live);
    result.seriesBytes[0] = result.totalBytes;
    return result;
}

TimelineMoment Timeline::momentAt(qint64 timeNs) const
{
    TimelineMoment moment;
    moment.timeNs = timeNs;
    const qint64 after = firstEventAtOrAfter(timeNs + 1);
    moment.liveBytes = after > 0 ? m_total[size_t(after - 1)] : 0;
    const auto& spans = m_trace->opSpans;
    auto span = std::upper_bound(
        spans.begin(), spans.end(), timeNs, [](qint64 time, const OpSpan& s) { return time < s.startNs; });
    if (span != spans.begin() && (--span)->endNs >= timeNs) {
        moment.opId = span->opId;
        moment.layerId = span->layerId;
    }
    for (const PhaseSpan& phase : m_trace->phases)
        if (phase.startNs <= timeNs && timeNs <= phase.endNs)
            moment.phase = phase.phase;
    return moment;
}

TimelineChange Timeline::change(StackBy by, qint64 fromNs, qint64 toNs) const
{
    TimelineChange result;
    const qint64 from = firstEventAtOrAfter(fromNs + 1);
    const qint64 to = firstEventAtOrAfter(toNs + 1);
    const Stack before = stackBefore(from);
    const Stack after = stackBefore(to);
    result.fromBytes = from > 0 ? m_total[size_t(from - 1)] : 0;
    result.toBytes = to > 0 ? m_total[size_t(to - 1)] : 0;
    const int base = offset(by);
    for (int s = 0; s < seriesCount(by); ++s)
        result.bySeries << after[size_t(base + s)] - before[size_t(base + s)];
    return result;
}

} // namespace memoscope
