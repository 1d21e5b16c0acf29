#pragma once
// Pruning by weight magnitude.
//
// Structured: removes whole units of coupled channels (a layer's filters with everything that follows them, a
// residual stream across its stage, the same channels in every group of a grouped convolution, attention
// heads, recurrent hidden units), ranked by the L1 or L2 magnitude of all their weights, and cuts every
// tensor that follows them (ChannelGraph), so the model's tensors really shrink. Unstructured: zeroes the smallest weights; dense tensors keep every zero, so memory does not drop
// unless the model is stored sparse (storeSparse: a mask and the non-zero values, densified where used).

#include "ChannelGraph.h"
#include "Transform.h"

#include <torch/script.h>

namespace memoscope {

struct PruningSettings {
    double ratio = 0.5; // of channels (structured) or weights (unstructured) to remove, in [0, 1)
    bool l2 = false; // rank by L2 norm instead of L1
    bool global = false; // one ranking across all layers instead of the same ratio in each
};

// Throws ProfileError(ExitBadInput) when nothing can be pruned safely, with the reasons.
TransformReport pruneStructured(torch::jit::Module& root, const std::vector<c10::IValue>& exampleInputs,
    const PruningSettings& settings, const TransformOptions& options);

// What structured pruning works on: `model` is made ready for it in place (Memoscope's forwards for attention
// and recurrent layers, free functions inlined into each layer) and run on the inputs (in eval mode, and in
// training mode when it can); returns the runs and its channel units. Tests zero units by hand with it.
std::vector<TracedRun> prepareForPruning(torch::jit::Module& model, const std::vector<c10::IValue>& inputs,
    std::vector<std::string>* notes = nullptr);

TransformReport pruneUnstructured(torch::jit::Module& root, const PruningSettings& settings,
    const TransformOptions& options);

// Stores every weight that is mostly zeros as a boolean mask and its non-zero values; returns the layers.
TransformReport storeSparse(torch::jit::Module& root);

} // namespace memoscope
