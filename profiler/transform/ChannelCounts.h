#pragma once
// After pruning, the integers a model's code passes to ops that count channels must count only the kept ones:
// a view's sizes (q.view(B, T, self.num_heads, D)), a LayerNorm's shape, a depthwise convolution's groups, a
// chunk's parts. Each traced op is found in its module's code by where it was called, and its argument is
// updated: an attribute the code reads is set (the head count, ViT's hidden_dim), a literal is replaced, a
// size the code computes becomes a literal, or -1 where it also counts the batch. A chunk whose parts no
// longer come out even becomes a split with the kept sizes. What cannot be expressed is returned, so that
// those units can stay.

#include "ChannelGraph.h"

#include <map>
#include <string>

namespace memoscope {

// Units that must stay because the code that counts them cannot be updated, and why.
using HeldUnits = std::map<int, std::string>;

// Edits root's code (root is the model that was traced, or a clone() of it).
HeldUnits updateChannelCounts(torch::jit::Module& root, const std::vector<TracedRun>& runs,
    const ChannelAnalysis& analysis, const std::vector<bool>& keep);

} // namespace memoscope
