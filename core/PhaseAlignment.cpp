#include "PhaseAlignment.h"

#include <algorithm>
#include <map>
#include <utility>

namespace memoscope {

TimeWarp::TimeWarp(QVector<qint64> runNs, QVector<qint64> axisNs)
    : m_runNs(std::move(runNs))
    , m_axisNs(std::move(axisNs))
{
    Q_ASSERT(m_runNs.size() == m_axisNs.size());
}

namespace {
    // Maps x through the increasing anchor lists from -> to, extending the ends at slope 1.
    double interpolate(const QVector<qint64>& from, const QVector<qint64>& to, double x)
    {
        if (from.isEmpty())
            return x;
        if (x <= from.first())
            return to.first() + (x - from.first());
        if (x >= from.last())
            return to.last() + (x - from.last());
        const auto upper = std::upper_bound(from.begin(), from.end(), x);
        const qsizetype i = qsizetype(upper - from.begin());
        const double fraction = (x - from[i - 1]) / double(from[i] - from[i - 1]);
        return to[i - 1] + fraction * double(to[i] - to[i - 1]);
    }

    // Each span's start and end, keyed by (phase, the how-many-th span of that phase).
    std::map<std::pair<int, int>, std::pair<qint64, qint64>> boundaries(const QVector<PhaseSpan>& spans)
    {
        std::map<std::pair<int, int>, std::pair<qint64, qint64>> byKey;
        std::map<int, int> seen;
        for (const PhaseSpan& span : spans) {
            const int phase = int(span.phase);
            byKey[{ phase, seen[phase]++ }] = { span.startNs, std::max(span.endNs, span.startNs) };
        }
        return byKey;
    }
}

double TimeWarp::toAxisNs(double runNs) const { return interpolate(m_runNs, m_axisNs, runNs); }
double TimeWarp::toRunNs(double axisNs) const { return interpolate(m_axisNs, m_runNs, axisNs); }

TimeWarp alignPhases(const QVector<PhaseSpan>& reference, const QVector<PhaseSpan>& run)
{
    const auto referenceBoundaries = boundaries(reference);
    std::vector<std::pair<qint64, qint64>> anchors; // (run time, reference time)
    for (const auto& [key, times] : boundaries(run)) {
        const auto match = referenceBoundaries.find(key);
        if (match == referenceBoundaries.end())
            continue;
        anchors.emplace_back(times.first, match->second.first);
        anchors.emplace_back(times.second, match->second.second);
    }
    std::sort(anchors.begin(), anchors.end());
    // Keep the mapping increasing both ways: drop an anchor that would fold time back (phases that ran in a
    // different order) or that repeats a time (a span ending where the next begins).
    QVector<qint64> runNs;
    QVector<qint64> axisNs;
    for (const auto& [runTime, axisTime] : anchors) {
        if (!runNs.isEmpty() && (runTime <= runNs.last() || axisTime <= axisNs.last()))
            continue;
        runNs << runTime;
        axisNs << axisTime;
    }
    return TimeWarp(std::move(runNs), std::move(axisNs));
}

} // namespace memoscope
