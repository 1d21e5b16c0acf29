#pragma once
// Steps of `optimize` that store weights rounded (int8-dynamic, int8-static, int8-weight-only, fp16). Int8
// kernels have no gradients, so a --distill after such steps trains the model as it was before them, its
// weights seen rounded as those steps will store them (RoundedWeights), and then applies the steps again.

#include "Distillation.h"

#include <torch/script.h>

#include <QString>
#include <string>
#include <vector>

namespace memoscope {

struct RoundingStep {
    QString technique; // "int8-dynamic", "fp16", ...
    std::vector<std::string> changedLayers; // as the step reported them ("<root>" for the root module)
};

bool storesWeightsRounded(const QString& technique);

// The weights of `student` (the model before the steps) that the steps round, and the rounding they apply, in
// order: int8 rounds the weight matrices of the layers it changed (per output channel unless `perChannel` is
// false), fp16 every float parameter of the layers it changed.
RoundedWeights roundedWeightsOf(const torch::jit::Module& student, const std::vector<RoundingStep>& steps, bool perChannel);

} // namespace memoscope
