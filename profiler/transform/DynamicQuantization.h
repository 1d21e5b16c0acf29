#pragma once
// int8 dynamic quantization: Linear weights (and LSTM/GRU weights) stored as int8 and multiplied through
// quantized::linear_dynamic (quantized::quantized_lstm / quantized_gru), activations quantized on the fly.
//
// Unlike PyTorch 1.13's quantize_dynamic, which swaps whole nn.Linear modules and so breaks
// nn.MultiheadAttention (it reads out_proj.weight itself), this works on the ops: every aten::linear whose
// weight is a parameter of the model is rewritten where it is used, in whichever module that happens.
// Any other read of a quantized weight gets it back dequantized, so nothing that reads it breaks.

#include "Transform.h"

#include <torch/script.h>

namespace memoscope {

TransformReport quantizeDynamicInt8(torch::jit::Module& root, const TransformOptions& options);

} // namespace memoscope
