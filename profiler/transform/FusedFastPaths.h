#pragma once
// nn.TransformerEncoderLayer and nn.MultiheadAttention have a fused "fast path" for inference
// (aten::_transformer_encoder_layer_fwd, aten::_native_multi_head_attention) that takes every weight as a
// float tensor. Once weights are quantized or stored in another type, that path would rebuild float weights
// on every call, so it is turned off: the If that chooses it always takes the ordinary path, which runs
// the layer's own Linear ops (and their quantized replacements).

#include <torch/csrc/jit/ir/ir.h>

#include <memory>
#include <vector>

namespace memoscope::script {

// Returns how many fused calls were switched off.
int disableFusedFastPaths(const std::vector<std::shared_ptr<torch::jit::Graph>>& graphs);

} // namespace memoscope::script
