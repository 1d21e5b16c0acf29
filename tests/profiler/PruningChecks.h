#pragma once
// What the pruning tests check on any model: channels made dead by hand must be the ones pruning removes,
// without changing the output; and a pruned file must give the same outputs in Python as in Memoscope.

#include <torch/script.h>

#include <QString>

namespace memoscope::test {

// Zeroes the first half of every prunable channel group (every tensor stretch that follows them; running
// variances stay 1), so those channels carry exact zeros through the whole model.
void killHalfOfEachGroup(torch::jit::Module& model, const std::vector<c10::IValue>& inputs);

// The model's first output in eval mode without grad.
at::Tensor runModel(torch::jit::Module& model, const std::vector<c10::IValue>& inputs);

// Loads `modelPath` in Python (tests/fixtures/run_in_python.py), runs it on `inputs` and returns the largest
// difference from what LibTorch computes here, or a negative number when Python could not run it. Inputs and
// outputs go through files in `folder`.
double pythonDifference(const QString& modelPath, const std::vector<c10::IValue>& inputs, const QString& folder);

} // namespace memoscope::test
