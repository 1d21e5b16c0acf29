#pragma once
// How closely a transformed model reproduces the original: both run in eval mode without gradients on the
// same inputs, their outputs compared batch by batch; optionally the accuracy of both on labelled data.

#include "core/Fidelity.h"

#include <ATen/core/ivalue.h>

#include <functional>
#include <vector>

namespace torch::jit {
struct Module;
}

namespace memoscope {

class Dataset;

// The first floating-point tensor of a model's output: the output itself, else the first found depth-first in
// its tuples, lists and dict values. Quantized tensors are dequantized. Undefined when there is none.
at::Tensor firstFloatingTensor(const c10::IValue& output);

// Accumulates the figures of a FidelityReport over batches, in float64 on the CPU.
class OutputComparison {
public:
    // Throws ProfileError(ExitBadInput) when the shapes differ.
    void add(const at::Tensor& reference, const at::Tensor& candidate);
    // Compares the first floating-point tensors of two outputs; throws ProfileError(ExitBadInput) when either
    // has none.
    void add(const c10::IValue& reference, const c10::IValue& candidate);
    FidelityReport report() const;

private:
    double m_maxAbsError = 0; // NaN once any output element is NaN
    double m_sumAbsDifference = 0;
    double m_sumAbsReference = 0;
    double m_dot = 0;
    double m_referenceSquares = 0;
    double m_candidateSquares = 0;
    qint64 m_samples = 0;
    qint64 m_rows = 0; // argmax rows compared
    qint64 m_agreeingRows = 0;
    bool m_top1Defined = true; // false once an output's last dimension is < 2
};

// The fraction of the data set's samples whose argmax over the output's last dimension equals the label. Runs in
// eval mode without gradients and restores each module's training flag afterwards. Throws
// ProfileError(ExitBadInput) for an unlabelled data set, an output that is not [batch, classes] with at least as
// many classes as the data set has, or a model that fails on the data. NaN for an empty data set.
double accuracy(torch::jit::Module& model, Dataset& data, int64_t batchSize);

// Runs both models on `batches` sets of inputs from makeInputs (called once per batch; the original gets a
// deep copy, so a model that changes its inputs in place cannot affect the other) and compares the outputs.
// With a labelled data set, also fills accuracyBefore and accuracyAfter. A failure of the original is
// ExitBadInput (its inputs do not fit), a failure of the candidate ExitModelFailed.
FidelityReport compareModels(torch::jit::Module& original, torch::jit::Module& candidate,
    const std::function<std::vector<c10::IValue>()>& makeInputs, int batches, Dataset* labelled = nullptr,
    int64_t batchSize = 64);

// makeInputs for compareModels from a data set: its batches in order, starting again after the last. The data
// set must outlive the function.
std::function<std::vector<c10::IValue>()> datasetInputs(Dataset& data, int64_t batchSize);

} // namespace memoscope
