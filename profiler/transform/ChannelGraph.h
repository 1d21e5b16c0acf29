#pragma once
// Which channels of a model must be pruned together, read from the ops it really ran (OpTrace).
//
// Every output row of a layer (a Conv2d filter, a Linear feature, an embedding column, an LSTM gate row) is a
// channel. Ops carry channels from their inputs to their outputs, including through reshapes, permutes,
// splits and concatenations, so a channel is followed wherever it goes; ops that combine tensors tie the
// channels they line up (a residual addition ties the stream's channels across its stage, a matmul of queries
// and keys ties their heads). Channels tied together form a unit, kept or removed as one: a stream channel
// with every layer that adds to it, an attention head with its query, key, value and output slices, an LSTM
// hidden unit across its gates and layers. Units made by the same layers form a group, pruned under one ratio.
//
// Every tensor of the model that follows a unit is listed as a slice to cut with it, and every integer the
// model's code passes to an op that counts channels (a view's sizes, a LayerNorm's shape, a depthwise
// convolution's groups) is listed so its code can be updated. A unit that meets something that cannot be
// followed, or the model's output, must stay, with the reason: unknown means untouched, never guessed.

#include "OpTrace.h"

#include <string>
#include <vector>

namespace memoscope {

struct TracedRun {
    std::vector<TracedOp> ops;
    c10::IValue output;
};

// A stretch of one parameter or buffer that follows units: index i along `dim` is cut when unit units[i] is
// removed (FixedPosition, -1: always kept).
struct ChannelSlice {
    std::string layer; // module path
    std::string tensor; // parameter or buffer name
    int64_t dim = 0;
    std::vector<int> units;
};

// Units pruned under one ratio: those made by the same layers.
struct ChannelGroup {
    std::vector<int> units;
    std::vector<ChannelSlice> producers; // the layers' own rows (dimension 0 of their weights), for reports
    std::string obstacle; // non-empty when no unit may be removed: why
};

// An integer argument of a traced op that counts positions along a dimension with channels. After pruning it
// must count only the positions kept.
struct SizeArgument {
    size_t run = 0;
    size_t op = 0;
    size_t argument = 0;
    int element = -1; // -1: the argument is an int; otherwise the element of an int[] argument
    std::vector<int> units; // the positions counted, by unit (FixedPosition: always kept)
    bool dependsOnInput = false; // it also counts positions of the batch or pixels: never a literal
};

// A chunk/split along a dimension with channels: the positions of each part, by unit.
struct ChannelParts {
    size_t run = 0;
    size_t op = 0;
    int64_t dim = 0;
    std::vector<std::vector<int>> parts;
};

struct ChannelAnalysis {
    int unitCount = 0;
    std::vector<std::string> pinned; // per unit: why it must stay (empty: it may go)
    std::vector<ChannelGroup> groups;
    std::vector<ChannelSlice> slices;
    std::vector<SizeArgument> sizes;
    std::vector<ChannelParts> parts;
};

ChannelAnalysis analyzeChannels(const torch::jit::Module& root, const std::vector<TracedRun>& runs);

} // namespace memoscope
