#include "CheckpointPlan.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace memoscope {

namespace {
    bool inside(const QString& path, const QString& block)
    {
        return path == block
            || (path.startsWith(block) && path.size() > block.size() && path[block.size()] == QLatin1Char('.'));
    }

    struct Lifetime {
        qint64 allocNs = 0;
        qint64 freeNs = std::numeric_limits<qint64>::max(); // never freed in the run
        qint64 bytes = 0;
        qint32 layerId = -1;
        Phase phase = Phase::Setup;
        Category category = Category::Temporary;
    };

    std::unordered_map<qint32, Lifetime> lifetimes(const RunTrace& trace)
    {
        std::unordered_map<qint32, Lifetime> result;
        for (const Event& event : trace.events) {
            if (event.bytes > 0)
                result[event.allocationId] = Lifetime { event.timeNs, std::numeric_limits<qint64>::max(), event.bytes,
                    event.layerId, event.phase, event.category };
            else if (const auto it = result.find(event.allocationId); it != result.end())
                it->second.freeNs = event.timeNs;
        }
        return result;
    }
}

qint64 replayedPeak(const RunTrace& trace, const QStringList& segments)
{
    // Which segment each layer belongs to.
    QVector<int> segmentOfLayer(trace.layers.size(), -1);
    for (const Layer& layer : trace.layers)
        for (int s = 0; s < segments.size(); ++s)
            if (!layer.pseudo && inside(layer.path, segments[s]))
                segmentOfLayer[layer.id] = s;
    const auto segmentOf = [&](qint32 layerId) {
        return layerId >= 0 && layerId < segmentOfLayer.size() ? segmentOfLayer[layerId] : -1;
    };

    // When each segment's backward begins: its first event while backward runs.
    QVector<qint64> backwardStart(segments.size(), std::numeric_limits<qint64>::max());
    for (const PhaseSpan& span : trace.phases) {
        if (span.phase != Phase::Backward)
            continue;
        for (const Event& event : trace.events) {
            const int s = segmentOf(event.layerId);
            if (s >= 0 && event.timeNs >= span.startNs && event.timeNs <= span.endNs)
                backwardStart[s] = std::min(backwardStart[s], event.timeNs);
        }
        for (qint64& start : backwardStart)
            start = std::min(start, span.endNs); // a segment without backward work: at the end, as late as it gets
    }

    std::unordered_map<qint32, Lifetime> alive = lifetimes(trace);
    // Each segment's output: the last activation it made, kept by whoever reads it next.
    QVector<qint32> output(segments.size(), -1);
    QVector<qint64> outputNs(segments.size(), -1);
    for (const auto& [id, lifetime] : alive) {
        const int s = segmentOf(lifetime.layerId);
        if (s >= 0 && lifetime.category == Category::Activation && lifetime.allocNs > outputNs[s])
            output[s] = id, outputNs[s] = lifetime.allocNs;
    }

    std::vector<std::pair<qint64, qint64>> changes; // (time, +bytes / -bytes)
    changes.reserve(alive.size() * 2);
    for (const auto& [id, lifetime] : alive) {
        qint64 from = lifetime.allocNs;
        const int s = segmentOf(lifetime.layerId);
        if (s >= 0 && lifetime.category == Category::Activation && id != output[s]) {
            if (lifetime.freeNs <= backwardStart[s])
                continue; // freed before the recompute would make it again
            from = std::max(from, backwardStart[s]);
        }
        changes.emplace_back(from, lifetime.bytes);
        if (lifetime.freeNs != std::numeric_limits<qint64>::max())
            changes.emplace_back(lifetime.freeNs, -lifetime.bytes);
    }
    // At equal times allocations first: the higher, safer figure.
    std::sort(changes.begin(), changes.end(),
        [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
    qint64 live = 0;
    qint64 peak = 0;
    for (const auto& [time, bytes] : changes) {
        live += bytes;
        peak = std::max(peak, live);
    }
    return peak;
}

namespace {
    CheckpointPlan planOf(const RunTrace& trace, const QVector<CheckpointCandidate>& candidates, QVector<int> chosen)
    {
        std::sort(chosen.begin(), chosen.end());
        CheckpointPlan plan;
        for (int index : chosen) {
            plan.segments << candidates[index].path;
            plan.recomputeMs += candidates[index].recomputeMs;
        }
        plan.predictedPeakBytes = replayedPeak(trace, plan.segments);
        return plan;
    }

    // Better for the budget: fitting first, then less recompute, then a lower peak.
    bool better(const CheckpointPlan& a, const CheckpointPlan& b, qint64 budget)
    {
        const bool aFits = a.predictedPeakBytes <= budget;
        const bool bFits = b.predictedPeakBytes <= budget;
        if (aFits != bFits)
            return aFits;
        if (!aFits)
            return a.predictedPeakBytes < b.predictedPeakBytes;
        if (a.recomputeMs != b.recomputeMs)
            return a.recomputeMs < b.recomputeMs;
        return a.predictedPeakBytes < b.predictedPeakBytes;
    }
}

CheckpointPlan planCheckpoints(
    const RunTrace& trace, const QVector<CheckpointCandidate>& candidates, qint64 budgetBytes)
{
    const int n = candidates.size();
    CheckpointPlan best = planOf(trace, candidates, {});
    const int exhaustiveLimit = 10;
    if (n <= exhaustiveLimit) {
        for (quint32 mask = 1; mask < (1u << n); ++mask) {
            QVector<int> chosen;
            for (int i = 0; i < n; ++i)
                if (mask & (1u << i))
                    chosen << i;
            const CheckpointPlan plan = planOf(trace, candidates, chosen);
            if (better(plan, best, budgetBytes))
                best = plan;
        }
    } else {
        QVector<int> chosen;
        while (best.predictedPeakBytes > budgetBytes && chosen.size() < n) {
            int next = -1;
            double nextRate = -1;
            CheckpointPlan nextPlan;
            for (int i = 0; i < n; ++i) {
                if (chosen.contains(i))
                    continue;
                const CheckpointPlan plan = planOf(trace, candidates, chosen + QVector<int> { i });
                const double rate = double(best.predictedPeakBytes - plan.predictedPeakBytes)
                    / std::max(1e-3, candidates[i].recomputeMs);
                if (rate > nextRate)
                    next = i, nextRate = rate, nextPlan = plan;
            }
            chosen << next;
            if (better(nextPlan, best, budgetBytes) || nextPlan.predictedPeakBytes < best.predictedPeakBytes)
                best = nextPlan;
        }
    }
    best.fits = best.predictedPeakBytes <= budgetBytes;
    return best;
}

} // namespace memoscope
