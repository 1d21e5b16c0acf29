#pragma once
// Selective checkpointing: inside a checkpointed segment, the outputs of chosen convolutions are kept from
// forward and only the rest (BatchNorm, activations, elementwise ops, pooling, dropout, and the convolutions
// not kept) is recomputed in backward. A convolution costs far more time per byte of output than the ops around
// it, so keeping its output and recomputing theirs saves most of a segment's activations for a fraction of
// its recompute time.
//
// LibTorch 1.13 has no saved-tensor hooks in C++, so the choice is made in the graph. The segment's forward is
// inlined (Inline, then ConstantPropagation for torchvision's padding-mode branch) and two methods are made
// from it:
//   - a kept forward that also returns, after the output, memoscope::keep_if(self, y, i) for each candidate
//     convolution's output y: y when this instance keeps candidate i, None otherwise;
//   - a recompute taking the same arguments plus one Optional[Tensor] per candidate, in which each candidate
//     aten::conv2d becomes memoscope::kept_conv2d(kept, input, weight, bias, ...): with a kept output, an
//     autograd Function that returns it as it is and whose backward is the convolution's own
//     (aten::convolution_backward, as autograd's ConvolutionBackward0 calls it), so gradients are the same
//     bits as without checkpointing; with None, the convolution itself.
// The checkpoint op (CheckpointFunction.h) runs the kept forward without grad, saves the inputs and the kept
// outputs, and in backward runs the recompute with grad. Which candidates an instance keeps is a per-instance
// attribute, so instances that share a class type can keep different ones.

#include <torch/script.h>

#include <string>
#include <vector>

namespace memoscope {

namespace checkpointing {
    extern const char* const keptForward; // the forward that also returns the kept outputs
    extern const char* const recomputeMethod; // the forward that takes them
    extern const char* const keepAttribute; // List[bool] per instance, one per candidate
}

// The layers (paths relative to the segment, e.g. "block.0.0") whose convolution outputs the segment can keep,
// in the order its forward runs them, each once. Convolutions inside an if of the forward count (mobilenet_v2's
// residual branch, shufflenet_v2's stride branch: the kept forward returns the output from the branch that ran,
// None from the others); those inside a loop do not (they run any number of times). A convolution whose output
// an in-place op changes (directly or through a view), that leaves the segment, or that does not read its weight
// from a submodule, is not a candidate (it is always recomputed).
std::vector<std::string> keepableLayers(const torch::jit::Module& segment);

// Adds the kept forward and the recompute to the segment's class type (once per type) and sets which layers this
// instance keeps. The segment's forward must already be rewritten by applyCheckpointing. Throws
// ProfileError(ExitBadInput) naming a kept layer that is not a candidate.
void keepLayerOutputs(torch::jit::Module& root, torch::jit::Module& segment, const std::vector<std::string>& kept);

// Whether the segment has kept outputs to use (the checkpoint op takes the selective path).
bool keepsOutputs(const torch::jit::Module& segment);

} // namespace memoscope
