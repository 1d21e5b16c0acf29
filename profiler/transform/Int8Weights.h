#pragma once
// Turning float weights into int8 the way the quantized kernels want them: symmetric (zero point 0), one
// scale per output channel (row) or one per tensor, and packed for the current quantized engine.
// Per channel the scales and zero points cost 16 bytes per row (LibTorch keeps them as float64 and int64),
// so a [out, in] weight takes out*in + 16*out bytes against 4*out*in in float32.

#include <torch/script.h>

namespace memoscope::int8 {

at::Tensor quantizeWeight(const at::Tensor& weight, bool perChannel);

// quantized::linear_prepack: a LinearPackedParamsBase object holding the weight and bias.
c10::IValue packLinear(const at::Tensor& quantizedWeight, const c10::optional<at::Tensor>& bias);
// quantized::make_quantized_cell_params_dynamic: one LSTM/GRU layer (one direction) for quantized_lstm. The
// kernel adds the biases held in the packed weights, so they are packed with them (as PyTorch does).
c10::IValue packRecurrentCell(const at::Tensor& weightIh, const at::Tensor& weightHh, const at::Tensor& biasIh,
    const at::Tensor& biasHh, bool perChannel, bool reduceRange);
// quantized::conv2d_prepack.
c10::IValue packConv2d(const at::Tensor& quantizedWeight, const c10::optional<at::Tensor>& bias,
    const std::vector<int64_t>& stride, const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation,
    int64_t groups);

// Bytes held by a quantized tensor: its int8 data and, per channel, its scales and zero points.
int64_t quantizedBytes(const at::Tensor& tensor);

} // namespace memoscope::int8
