#pragma once
// One iteration of the measured step, phase by phase: make the inputs, forward, and in training the loss,
// backward and the optimizer step. When a recorder is recording, it is told each phase and which tensors
// are outputs, gradients and optimizer state, so every allocation can be filed under its category.

#include "InputFactory.h"
#include "TorchModel.h"
#include "core/RunConfig.h"
#include "core/Taxonomy.h"

#include <torch/optim.h>

#include <memory>

namespace memoscope {

class AllocationRecorder;

class StepRunner {
public:
    StepRunner(TorchModel& model, const InputFactory& inputs, const RunConfig& config);

    // Runs one iteration. `recorder` is null when this iteration is not recorded. Throws ProfileError:
    // ExitBadInput when nothing has run through yet, ExitModelFailed later, ExitOutOfMemory at the limit.
    void runIteration(int iteration, AllocationRecorder* recorder);

    bool training() const { return m_config.mode == RunMode::Train; }
    // Optimizer state tensors alive now (momentum buffers, Adam's moments), each with its parameter's layer.
    std::vector<OwnedTensor> optimizerState() const;

private:
    void step(int iteration, AllocationRecorder* recorder);
    at::Tensor lossOf(const torch::jit::IValue& output, const at::Tensor& labels) const;

    TorchModel& m_model;
    const InputFactory& m_inputs;
    RunConfig m_config;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    bool m_stepSucceeded = false;
    Phase m_phase = Phase::Input;
};

void collectTensors(const torch::jit::IValue& value, std::vector<at::Tensor>* tensors);

} // namespace memoscope
