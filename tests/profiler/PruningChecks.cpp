#include "PruningChecks.h"

#include "profiler/transform/ChannelGraph.h"
#include "profiler/transform/OpTrace.h"
#include "profiler/transform/ScriptEditing.h"

#include <torch/torch.h>


namespace memoscope::test {

void killHalfOfEachGroup(torch::jit::Module& model, const std::vector<c10::IValue>& inputs)
{
    c10::IValue output;
    const std::vector<TracedOp> ops = traceOps(model, inputs, &output);
    torch::NoGradGuard noGrad;
    for (const ChannelGroup& group : analyzeChannels(model, ops, output)) {
        if (!group.obstacle.empty())
            continue;
        const int64_t dead = group.size - std::max<int64_t>(1, group.size - group.size / 2);
        for (const ChannelSlice& slice : group.slices) {
            at::Tensor tensor = script::findModule(model, slice.layer)->attr(slice.tensor).toTensor();
            const double value = slice.tensor == "running_var" ? 1.0 : 0.0;
            for (int64_t c = 0; c < dead; ++c)
                tensor.narrow(slice.dim, slice.offset + c * slice.block, slice.block).fill_(value);
        }
    }
}

} // namespace memoscope::test
