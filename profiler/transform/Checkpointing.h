#pragma once
// Gradient checkpointing for TorchScript models: chosen modules ("segments") keep only their inputs for
// backward, and their forward runs a second time in backward to rebuild what backward needs. LibTorch has no
// checkpoint API in C++, so a segment's forward is rewritten to call the custom op memoscope::checkpoint (see
// CheckpointFunction.h), which does what Python's torch.utils.checkpoint does.
//
// The model is edited in place and stays a valid TorchScript module: it can run at once if it has not run
// yet, or be saved and loaded back (script::roundTrip) like any transformed model; no parameter is copied or
// replaced, so parameter lists and optimizers made before the edit stay valid. Code the interpreter already
// compiled keeps calling the old forwards, so a model that has already run must be round-tripped first.

#include "Transform.h"

#include <torch/script.h>

#include <cstdint>
#include <string>
#include <vector>

namespace memoscope {

// Segments for `--checkpoint auto`: module paths whose forward is recomputed in backward instead of keeping
// its activations. The rule is in Checkpointing.cpp; resnet18 gives layer1..layer4 and the transformer
// fixture encoder.layers.0 and encoder.layers.1. Empty when the model is a plain chain of single layers
// (checkpointing one layer keeps its input, which is all it would save).
std::vector<std::string> automaticCheckpointSegments(const torch::jit::Module& root);

// Candidate segments for selective checkpointing: the blocks inside the automatic segments.
std::vector<std::string> selectiveCheckpointSegments(const torch::jit::Module& root);

// One entry of a segment list: "layer1.0" or, for selective checkpointing, "layer1.0{conv1+conv2}", the segment
// and the layers inside it whose outputs it keeps (CheckpointSelective.h). Throws ProfileError(ExitBadInput) for
// a malformed entry.
struct SegmentChoice {
    std::string path;
    std::vector<std::string> kept; // relative to the segment
};
SegmentChoice parseSegmentChoice(const std::string& entry);

// Segments are entries as above. Throws ProfileError(ExitBadInput) naming the segment and the reason when a
// path names no module or a
// segment cannot be checkpointed (its forward takes or returns something other than tensors); then the model
// is left as it was. The report lists the checkpointed segments in `changed`.
TransformReport applyCheckpointing(torch::jit::Module& root, const std::vector<std::string>& segments);

struct CheckpointStats {
    int64_t recomputeNs = 0; // wall time of the segments' second forward, in backward
    int64_t recomputations = 0; // segment forwards run again
};
// Summed over every thread and model since the last reset.
CheckpointStats checkpointStats();
void resetCheckpointStats();

} // namespace memoscope
