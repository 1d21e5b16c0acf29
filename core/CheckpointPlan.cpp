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

namespace memoscope {

namespace {
    bool inside(const QString& path, const QString& outer)
    {
        return path == outer || (path.startsWith(outer) && path.size() > outer.size() && path[outer.size()] == '.');
    }

    // One step along the selective curve.
    struct SelectiveStep {
        int segment = -1;
        QString recomputed; // empty: checkpoint the segment keeping every keepable output
        double bytes = 0; // activation bytes it takes off what is held from forward to backward
        double ms = 0; // recompute it adds
    };

    QVector<SelectiveStep> selectiveSteps(const RunTrace& trace, const QVector<SelectiveCandidate>& candidates)
    {
        // Per layer: activations its forward kept for backward, and its own forward time.
        QHash<QString, double> activation;
        QHash<QString, double> forwardMs;
        for (const Event& event : trace.events)
            if (event.bytes > 0 && event.phase == Phase::Forward && event.category == Category::Activation
                && event.layerId >= 0 && event.layerId < trace.layers.size())
                activation[trace.layers[event.layerId].path] += double(event.bytes);
        for (const Layer& layer : trace.layers)
            forwardMs[layer.path] += double(layer.forwardNs) / 1e6;
        QVector<SelectiveStep> steps;
        for (int s = 0; s < candidates.size(); ++s) {
            const SelectiveCandidate& candidate = candidates[s];
            SelectiveStep whole { s, {}, 0, 0 };
            for (const Layer& layer : trace.layers) {
                if (layer.pseudo || !inside(layer.path, candidate.segment))
                    continue;
                if (candidate.keepable.contains(layer.path)) {
                    steps << SelectiveStep { s, layer.path, activation.value(layer.path), forwardMs.value(layer.path) };
                } else {
                    whole.bytes += activation.value(layer.path);
                    whole.ms += forwardMs.value(layer.path);
                }
            }
            steps << whole;
        }
        std::stable_sort(steps.begin(), steps.end(), [](const SelectiveStep& a, const SelectiveStep& b) {
            return a.bytes / std::max(1e-3, a.ms) > b.bytes / std::max(1e-3, b.ms);
        });
        // Recomputing a kept output only makes sense once its segment is checkpointed: it waits for that step.
        QVector<SelectiveStep> ordered;
        QSet<int> checkpointed;
        QVector<SelectiveStep> waiting;
        for (const SelectiveStep& step : steps) {
            if (!step.recomputed.isEmpty() && !checkpointed.contains(step.segment)) {
                waiting << step;
                continue;
            }
            ordered << step;
            if (step.recomputed.isEmpty()) {
                checkpointed.insert(step.segment);
                for (const SelectiveStep& held : waiting)
                    if (held.segment == step.segment)
                        ordered << held;
            }
        }
        return ordered;
    }
}

QString SelectivePlan::checkpointText() const
{
    QStringList parts;
    for (const QString& segment : segments) {
        QStringList kept;
        for (const QString& layer : keptLayers)
            if (inside(layer, segment) && layer != segment)
                kept << layer.mid(segment.size() + 1);
        parts << (kept.isEmpty() ? segment : segment + QLatin1Char('{') + kept.join(QLatin1Char('+')) + '}');
    }
    return parts.join(QLatin1Char(','));
}

QVector<SelectivePlan> selectiveCurve(
    const RunTrace& trace, const RunConfig& config, double stepMs, const QVector<SelectiveCandidate>& candidates)
{
    const PeakSimulator simulator(trace, config);
    SelectivePlan plan;
    plan.predictedPeakBytes = simulator.predictCheckpointing({}, {}).peakBytes;
    plan.predictedStepMs = stepMs;
    QVector<SelectivePlan> curve { plan };
    QVector<bool> checkpointed(candidates.size(), false);
    QSet<QString> recomputed;
    for (const SelectiveStep& step : selectiveSteps(trace, candidates)) {
        if (step.recomputed.isEmpty())
            checkpointed[step.segment] = true;
        else
            recomputed.insert(step.recomputed);
        plan.recomputeMs += step.ms;
        plan.segments.clear();
        plan.keptLayers.clear();
        for (int s = 0; s < candidates.size(); ++s) {
            if (!checkpointed[s])
                continue;
            plan.segments << candidates[s].segment;
            for (const QString& layer : candidates[s].keepable)
                if (!recomputed.contains(layer))
                    plan.keptLayers << layer;
        }
        plan.predictedPeakBytes = simulator.predictCheckpointing(plan.segments, plan.keptLayers).peakBytes;
        plan.predictedStepMs = stepMs + plan.recomputeMs;
        curve << plan;
    }
    return curve;
}

int chooseSelectivePlan(const QVector<SelectivePlan>& curve, qint64 budgetBytes)
{
    int best = 0;
    for (int i = 0; i < curve.size(); ++i) {
        const SelectivePlan& plan = curve[i];
        if (budgetBytes > 0) {
            if (plan.predictedPeakBytes <= budgetBytes)
                return i;
            if (plan.predictedPeakBytes < curve[best].predictedPeakBytes)
                best = i;
        } else if (double(plan.predictedPeakBytes) * plan.predictedStepMs
            < double(curve[best].predictedPeakBytes) * curve[best].predictedStepMs) {
            best = i;
        }
    }
    return best;
}

} // namespace memoscope
