#pragma once
// Which channels of a model must be pruned together. Reading the ops a model really ran (OpTrace), every
// Conv2d output channel and Linear output feature starts a channel space; ops carry spaces from their
// inputs to their outputs (activations, pooling, flatten, concatenation), residual additions merge the
// spaces they add, and every tensor that follows a space (the next layer's input channels, a BatchNorm's
// statistics, a depthwise convolution) is listed as a slice to cut with it. An op not understood, or one
// that mixes channels (a reshape, a grouped convolution, LayerNorm over them, the model's output), marks
// the spaces it touches as not prunable, with the reason: unknown means untouched, never guessed.

#include "OpTrace.h"

#include <string>
#include <vector>

namespace memoscope {

// A stretch of one parameter or buffer that follows a channel space: channel i of the space is elements
// [offset + i * block, offset + (i + 1) * block) along `dim`.
struct ChannelSlice {
    std::string layer; // module path
    std::string tensor; // parameter or buffer name
    int64_t dim = 0;
    int64_t offset = 0;
    int64_t block = 1;
};

struct ChannelGroup {
    int64_t size = 0; // channels
    std::vector<ChannelSlice> producers; // the weights whose rows make the channels (rank importance on these)
    std::vector<ChannelSlice> slices; // every stretch to cut, producers included
    std::vector<std::string> depthwiseConvs; // their `groups` becomes the number of channels kept
    std::string obstacle; // non-empty: these channels cannot be pruned, and why
};

std::vector<ChannelGroup> analyzeChannels(
    const torch::jit::Module& root, const std::vector<TracedOp>& ops, const c10::IValue& output);

} // namespace memoscope
