#include "CheckpointPlan.h"

#include "advisor/PeakSimulator.h"

#include <algorithm>

namespace memoscope {

namespace {
    CheckpointPlan planOf(
        const PeakSimulator& simulator, const QVector<CheckpointCandidate>& candidates, QVector<int> chosen)
    {
        std::sort(chosen.begin(), chosen.end());
        CheckpointPlan plan;
        for (int index : chosen) {
            plan.segments << candidates[index].path;
            plan.recomputeMs += candidates[index].recomputeMs;
        }
        Plan checkpointing;
        checkpointing.checkpointLayers = plan.segments;
        plan.predictedPeakBytes = simulator.predict(checkpointing).peakBytes;
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

CheckpointPlan planCheckpoints(const RunTrace& trace, const RunConfig& config,
    const QVector<CheckpointCandidate>& candidates, qint64 budgetBytes)
{
    const PeakSimulator simulator(trace, config);
    const int n = candidates.size();
    CheckpointPlan best = planOf(simulator, candidates, {});
    const int exhaustiveLimit = 10;
    if (n <= exhaustiveLimit) {
        for (quint32 mask = 1; mask < (1u << n); ++mask) {
            QVector<int> chosen;
            for (int i = 0; i < n; ++i)
                if (mask & (1u << i))
                    chosen << i;
            const CheckpointPlan plan = planOf(simulator, candidates, chosen);
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
                const CheckpointPlan plan = planOf(simulator, candidates, chosen + QVector<int> { i });
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
