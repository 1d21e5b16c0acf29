#pragma once
// One training step (forward, loss, backward) of a loaded model, as the profiler runs it, with what the
// checkpointing tests compare: parameter gradients, buffers after the step, bytes kept for backward, and where the
// step left the random generator. Live bytes come from a counting wrapper around LibTorch's CPU allocator.

#include <QString>

#include <torch/script.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace memoscope::test {

// Installs the counting allocator (before any model loads) and runs models op by op, as the profiler does.
bool setUpTrainingSteps();

// A fixture, in training mode.
torch::jit::Module load(const QString& fixtureName);

struct Step {
    std::map<std::string, at::Tensor> gradients; // by parameter name
    std::map<std::string, at::Tensor> buffers; // after the step
    int64_t keptBytes = 0; // live after forward and loss, minus live before forward: what backward will use
    double seconds = 0;
    at::Tensor nextRandom; // drawn after backward: where the step left the generator
};

// The loss is the mean square of the first output, so that every output element gets a different gradient;
// `bf16`: forward under bf16 autocast as StepRunner runs it with --amp bf16.
Step trainStep(torch::jit::Module& model, const std::vector<c10::IValue>& inputs, uint64_t seed, bool bf16 = false);

// Largest absolute difference between tensors of the same names; infinity when the names or shapes differ.
double maxDifference(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b);

// A batch of normal images, the same every call.
std::vector<c10::IValue> images(int64_t batch, int64_t side);

} // namespace memoscope::test
