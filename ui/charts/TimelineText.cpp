#include "TimelineText.h"

#include "core/ByteFormat.h"

#include <algorithm>
#include <cstdlib>

namespace memoscope {

QString formatMilliseconds(qint64 ns)
{
    const double ms = double(ns) / 1e6;
    const int decimals = std::abs(ms) < 10 ? 3 : (std::abs(ms) < 1000 ? 2 : 1);
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', decimals);
}

QString describeMoment(const Timeline& timeline, const TimelineMoment& moment)
{
    const RunTrace& trace = timeline.trace();
    QStringList lines;
    lines << formatMilliseconds(moment.timeNs);
    lines << QStringLiteral("live: %1").arg(formatBytes(moment.liveBytes));
    if (moment.layerId >= 0 && moment.layerId < trace.layers.size())
        lines << QStringLiteral("layer: %1").arg(trace.layers[moment.layerId].displayPath());
    if (moment.opId >= 0 && moment.opId < trace.ops.size())
        lines << QStringLiteral("op: %1").arg(trace.ops[moment.opId]);
    if (moment.phase)
        lines << QStringLiteral("phase: %1").arg(phaseName(*moment.phase));
    return lines.join(QLatin1Char('\n'));
}

QString describeChange(const Timeline& timeline, StackBy by, qint64 fromNs, qint64 toNs, int biggest)
{
    const TimelineChange change = timeline.change(by, fromNs, toNs);
    QStringList lines;
    lines << QStringLiteral("%1 → %2").arg(formatMilliseconds(fromNs), formatMilliseconds(toNs));
    lines << QStringLiteral("live: %1 → %2 (%3)")
                 .arg(formatBytes(change.fromBytes), formatBytes(change.toBytes),
                     formatByteDelta(change.toBytes - change.fromBytes));
    QVector<int> order;
    for (int s = 0; s < change.bySeries.size(); ++s)
        if (change.bySeries[s] != 0)
            order << s;
    std::stable_sort(order.begin(), order.end(),
        [&](int a, int b) { return std::llabs(change.bySeries[a]) > std::llabs(change.bySeries[b]); });
    for (int i = 0; i < std::min<int>(biggest, int(order.size())); ++i)
        lines << QStringLiteral("  %1  %2")
                     .arg(formatByteDelta(change.bySeries[order[i]]), timeline.seriesName(by, order[i]));
    if (order.size() > biggest)
        lines << QStringLiteral("  … %1 more").arg(order.size() - biggest);
    return lines.join(QLatin1Char('\n'));
}

} // namespace memoscope
