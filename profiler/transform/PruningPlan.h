#pragma once
// Which units structured pruning removes. A unit's importance is the magnitude (L1, or L2) of everything that
// follows it, summed over every parameter of its group's members: a stream channel counts the rows of every
// layer that adds to the stream and the columns of every layer that reads it, a head its query, key, value and
// output slices. With a uniform ratio each group loses that share of its units; with a global ranking the
// least important units go wherever they are (scores divided by their group's mean, so groups compare).
// A group always keeps at least one unit, and units that must stay (the output's classes, anything Memoscope
// cannot follow) are never chosen.

#include "ChannelGraph.h"
#include "Pruning.h"

#include <map>

namespace memoscope {

struct PruningPlan {
    std::vector<bool> keep; // per unit
    std::vector<SkippedLayer> leftWhole; // the layers of groups nothing may be removed from, and why
    bool removesAny() const;
};

// `held`: units an earlier attempt showed must stay, with why.
PruningPlan planPruning(const torch::jit::Module& root, const ChannelAnalysis& analysis,
    const PruningSettings& settings, const TransformOptions& options, const std::map<int, std::string>& held);

} // namespace memoscope
