#include "PruningPlan.h"

#include "ScriptEditing.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace memoscope {

using torch::jit::Module;

namespace {
    // Summed magnitude of every parameter stretch that follows each unit (running statistics do not count).
    std::vector<double> importance(const Module& root, const ChannelAnalysis& analysis, bool l2)
    {
        std::vector<double> score(size_t(analysis.unitCount), 0.0);
        torch::NoGradGuard noGrad;
        for (const ChannelSlice& slice : analysis.slices) {
            const Module module = *script::findModule(root, slice.layer);
            const auto type = module.type();
            if (!type->hasAttribute(slice.tensor) || !type->is_parameter(type->getAttributeSlot(slice.tensor)))
                continue;
            const at::Tensor tensor = module.attr(slice.tensor).toTensor().detach();
            const at::Tensor rows
                = tensor.movedim(slice.dim, 0).reshape({ tensor.size(slice.dim), -1 }).to(torch::kDouble);
            const at::Tensor norms = (l2 ? rows.pow(2).sum(1) : rows.abs().sum(1)).contiguous();
            const double* values = norms.data_ptr<double>();
            for (size_t i = 0; i < slice.units.size(); ++i)
                if (slice.units[i] >= 0)
                    score[size_t(slice.units[i])] += values[i];
        }
        if (l2)
            for (double& s : score)
                s = std::sqrt(s);
        return score;
    }

    std::string whyWhole(const ChannelGroup& group, const TransformOptions& options)
    {
        if (!group.obstacle.empty())
            return group.obstacle;
        for (const ChannelSlice& producer : group.producers)
            if (options.isExcluded(producer.layer))
                return "excluded (" + producer.layer + " makes its channels)";
        return {};
    }
}

namespace {
    // Every tensor dimension with channels keeps at least one (a chunk's part, a layer's inputs): where all of
    // a stretch's units were chosen, its most important one stays.
    void keepEveryStretch(PruningPlan& plan, const ChannelAnalysis& analysis, const std::vector<double>& score)
    {
        const auto check = [&](const std::vector<int>& units) {
            int best = -1;
            for (int unit : units) {
                if (unit < 0 || plan.keep[size_t(unit)])
                    return;
                if (best < 0 || score[size_t(unit)] > score[size_t(best)])
                    best = unit;
            }
            if (best >= 0)
                plan.keep[size_t(best)] = true;
        };
        for (const ChannelSlice& slice : analysis.slices)
            check(slice.units);
        for (const SizeArgument& size : analysis.sizes)
            check(size.units);
        for (const ChannelParts& parts : analysis.parts)
            for (const std::vector<int>& part : parts.parts)
                check(part);
    }
}

bool PruningPlan::removesAny() const { return std::find(keep.begin(), keep.end(), false) != keep.end(); }

PruningPlan planPruning(const Module& root, const ChannelAnalysis& analysis, const PruningSettings& settings,
    const TransformOptions& options, const std::map<int, std::string>& held)
{
    PruningPlan plan;
    plan.keep.assign(size_t(analysis.unitCount), true);
    const std::vector<double> score = importance(root, analysis, settings.l2);
    struct Candidates {
        std::vector<int> free; // units it may lose, least important first
        size_t size = 0; // all its units
        double mean = 1; // of its units' scores, for the global ranking
    };
    std::vector<Candidates> groups;
    for (const ChannelGroup& group : analysis.groups) {
        std::string reason = whyWhole(group, options);
        Candidates c;
        c.size = group.units.size();
        double sum = 0;
        for (int unit : group.units) {
            sum += score[size_t(unit)];
            if (analysis.pinned[size_t(unit)].empty() && !held.count(unit))
                c.free.push_back(unit);
        }
        c.mean = std::max(sum / double(c.size), 1e-12);
        if (reason.empty() && c.free.empty())
            reason = held.count(group.units.front()) ? held.at(group.units.front())
                                                     : analysis.pinned[size_t(group.units.front())];
        if (!reason.empty() || c.size < 2) {
            for (const ChannelSlice& producer : group.producers)
                plan.leftWhole.push_back(SkippedLayer { producer.layer, reason.empty() ? "a single channel" : reason });
            continue;
        }
        std::stable_sort(
            c.free.begin(), c.free.end(), [&](int a, int b) { return score[size_t(a)] < score[size_t(b)]; });
        groups.push_back(std::move(c));
    }
    const auto most = [](const Candidates& c) { return std::min(c.free.size(), c.size - 1); }; // one stays
    if (!settings.global) {
        for (const Candidates& c : groups) {
            const size_t remove = std::min(size_t(double(c.size) * settings.ratio), most(c));
            for (size_t i = 0; i < remove; ++i)
                plan.keep[size_t(c.free[i])] = false;
        }
        keepEveryStretch(plan, analysis, score);
        return plan;
    }
    std::vector<std::tuple<double, size_t, int>> ranked; // normalized score, group, unit
    size_t total = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
        total += groups[g].size;
        for (int unit : groups[g].free)
            ranked.emplace_back(score[size_t(unit)] / groups[g].mean, g, unit);
    }
    std::stable_sort(ranked.begin(), ranked.end());
    std::vector<size_t> removed(groups.size(), 0);
    size_t count = 0;
    const size_t target = size_t(double(total) * settings.ratio);
    for (const auto& [normalized, g, unit] : ranked) {
        if (count >= target)
            break;
        if (removed[g] >= most(groups[g]))
            continue;
        plan.keep[size_t(unit)] = false;
        ++removed[g];
        ++count;
    }
    keepEveryStretch(plan, analysis, score);
    return plan;
}

} // namespace memoscope
