#pragma once
// The runtime half of gradient checkpointing: the custom op
//
//     memoscope::checkpoint(Any segment, Tensor?[] inputs) -> Tensor[]
//
// that a checkpointed segment's rewritten forward calls with `self` and its arguments. The op receives the
// segment module itself rather than a key into a registry, so nothing outlives the model, and a checkpointed
// model can be cloned or saved and loaded back (in a process that links this library) and still checkpoint.
//
// With grad enabled and something to differentiate, the op runs a torch::autograd::Function: forward runs the
// segment's original forward without grad and saves only its inputs (plus the RNG and autocast state);
// backward restores that state, runs the original forward again with grad on detached inputs, back-propagates
// the incoming gradients through it and returns the gradients of the inputs and of the segment's parameters
// (the parameters are inputs of the Function too, so a segment whose inputs need no grad still trains).
// Buffers and plain attributes the recompute changes (BatchNorm's running statistics and batch count) are
// put back afterwards, so they are updated once per step, as without checkpointing.

namespace memoscope::checkpointing {

// What a checkpointed segment's type is given (Checkpointing.cpp writes them, the op reads them).
extern const char* const originalForward; // the segment's own forward, renamed
extern const char* const enabledAttribute; // bool, per instance: instances of a shared type may differ
extern const char* const pathAttribute; // str, per instance: the segment's path, for messages and attribution

// The op as TorchScript source calls it through script::resolver(). Referencing it also makes the linker keep
// the translation unit that registers the op.
const char* opInSource();

} // namespace memoscope::checkpointing
