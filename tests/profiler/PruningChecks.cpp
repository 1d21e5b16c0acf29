#include "PruningChecks.h"

#include "profiler/transform/ChannelGraph.h"
#include "profiler/transform/Pruning.h"
#include "profiler/transform/ScriptEditing.h"

#include <torch/torch.h>

#include <set>

namespace memoscope::test {

void killHalfOfEachGroup(torch::jit::Module& model, const std::vector<c10::IValue>& inputs)
{
    const ChannelAnalysis analysis = analyzeChannels(model, prepareForPruning(model, inputs));
    std::set<int> dead;
    for (const ChannelGroup& group : analysis.groups) {
        std::vector<int> free;
        for (int unit : group.units)
            if (analysis.pinned[size_t(unit)].empty())
                free.push_back(unit);
        if (!group.obstacle.empty() || group.units.size() < 2)
            continue;
        const size_t count = std::min(free.size(), group.units.size() / 2);
        dead.insert(free.begin(), free.begin() + int64_t(count));
    }
    torch::NoGradGuard noGrad;
    for (const ChannelSlice& slice : analysis.slices) {
        at::Tensor tensor = script::findModule(model, slice.layer)->attr(slice.tensor).toTensor();
        const double value = slice.tensor == "running_var" ? 1.0 : 0.0;
        for (size_t i = 0; i < slice.units.size(); ++i)
            if (slice.units[i] >= 0 && dead.count(slice.units[i]))
                tensor.select(slice.dim, int64_t(i)).fill_(value);
    }
}

} // namespace memoscope::test
