#pragma once
// int8 static quantization of Conv2d and Linear layers: weights int8 (per channel or per tensor),
// activations quantized with ranges observed on calibration batches. Each quantized layer quantizes its
// input, runs quantized::conv2d / quantized::linear and dequantizes its output, so it fits anywhere in a float
// model; layers left in float are listed with the reason.

#include "Transform.h"

#include <torch/script.h>

#include <functional>

namespace memoscope {

struct StaticCalibration {
    std::function<std::vector<torch::jit::IValue>(int batch)> makeInputs;
    int batches = 8;
    bool randomInputs = false; // no calibration data was given: ranges come from random inputs
};

TransformReport quantizeStaticInt8(
    torch::jit::Module& root, const TransformOptions& options, const StaticCalibration& calibration);

} // namespace memoscope
