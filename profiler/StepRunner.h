#pragma once
// One iteration of the measured step, phase by phase: make the inputs, forward, and in training the loss,
// backward and the optimizer step. When a recorder is recording, it is told each phase and which tensors
// are outputs, gradients and optimizer state, so every allocation can be filed under its category.
//
// Inputs come from the --input specs, or, with --data, from a data set's batches. With --amp bf16, forward
// runs under CPU autocast (bfloat16) and backward follows the types forward chose, while the parameters stay
// float32 (the master weights) and the loss and the optimizer step are computed in float32.

#include "InputFactory.h"
#include "TorchModel.h"
#include "TrainingData.h"
#include "core/RunConfig.h"
#include "core/Taxonomy.h"

#include <torch/optim.h>

#include <QVector>
#include <array>
#include <memory>

namespace memoscope {

class AllocationRecorder;

class StepRunner {
public:
    // Exactly one of `inputs` and `data` is given.
    StepRunner(TorchModel& model, const InputFactory* inputs, TrainingData* data, const RunConfig& config);

    // Runs one iteration. `recorder` is null when this iteration is not recorded. Throws ProfileError:
    // ExitBadInput when nothing has run through yet, ExitModelFailed later, ExitOutOfMemory at the limit.
    void runIteration(int iteration, AllocationRecorder* recorder);

    bool training() const { return m_config.mode == RunMode::Train; }
    // Optimizer state tensors alive now (momentum buffers, Adam's moments), each with its parameter's layer.
    std::vector<OwnedTensor> optimizerState() const;
    // The dtype each phase computed in, seen on the tensors of the last iteration ("float32", "bfloat16").
    const std::array<QString, PhaseCount>& phasePrecision() const { return m_precision; }
    const QVector<double>& losses() const { return m_losses; } // loss value of every iteration run so far

private:
    void step(int iteration, AllocationRecorder* recorder);
    at::Tensor lossOf(const torch::jit::IValue& output, const at::Tensor& labels) const;

    QString describeInputs() const;

    TorchModel& m_model;
    const InputFactory* m_inputs;
    TrainingData* m_data;
    RunConfig m_config;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    bool m_stepSucceeded = false;
    Phase m_phase = Phase::Input;
    std::array<QString, PhaseCount> m_precision {};
    QVector<double> m_losses;
};

void collectTensors(const torch::jit::IValue& value, std::vector<at::Tensor>* tensors);

} // namespace memoscope
