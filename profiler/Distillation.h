#pragma once
// Knowledge distillation: a student (a pruned or lower-precision model, or one the user supplies) learns to
// match its teacher's outputs (the original model) with KL divergence at temperature T, plus cross-entropy to
// the labels with weight alpha when the data has them. Progress per epoch; early stopping on a held-out split;
// the best student is the one kept.

#include "core/RunConfig.h"

#include <torch/script.h>

#include <QString>
#include <atomic>
#include <functional>
#include <vector>

namespace memoscope {

class Dataset;

struct DistillSettings {
    int epochs = 10;
    double temperature = 4.0;
    double alpha = 0.5; // weight of the label loss when the data has labels
    double learningRate = 1e-3;
    int64_t batchSize = 64;
    OptimizerKind optimizer = OptimizerKind::Adam;
    int patience = 3; // epochs without improvement on the held-out split before stopping
};

struct DistillEpoch {
    int epoch = 0; // 1-based
    double loss = 0; // mean training loss
    double heldOutScore = 0; // accuracy with labels, else minus the held-out distillation loss (higher is better)
};

struct DistillResult {
    std::vector<DistillEpoch> epochs;
    int bestEpoch = 0;
    bool stoppedEarly = false;
    bool cancelled = false;
};

// Weights of the student that will be stored rounded (int8, float16) once distilled. Int8 kernels cannot be
// trained through, so the student trains float weights, but each forward pass (and each held-out score) sees
// them rounded as they will be stored, and the gradient passes the rounding unchanged (straight-through): the
// student learns around its own rounding error.
struct RoundedWeight {
    at::Tensor weight; // a parameter of the student
    std::function<at::Tensor(const at::Tensor&)> round; // its float values -> the float values it will be stored as
};
using RoundedWeights = std::vector<RoundedWeight>;

// Trains `student` in place and leaves it in eval mode with the weights of its best epoch (unrounded). Throws
// ProfileError(ExitBadInput) for a student without trainable float weights or outputs that do not match the
// teacher's.
DistillResult distill(torch::jit::Module& teacher, torch::jit::Module& student, Dataset& train, Dataset& heldOut,
    const DistillSettings& settings, const std::function<void(const DistillEpoch&)>& progress = {},
    const std::atomic<bool>* cancel = nullptr, const RoundedWeights& rounded = {});

} // namespace memoscope
