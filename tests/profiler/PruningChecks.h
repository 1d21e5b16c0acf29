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

struct PythonRun {
    double maxDifference = -1; // from what LibTorch computes here; negative when Python could not run it
    qint64 parameterBytes = -1; // model.parameters(), as PyTorch counts them
    qint64 bufferBytes = -1; // model.buffers()
};

// Loads `modelPath` in Python (tests/fixtures/run_in_python.py) and runs it on `inputs`. Inputs and outputs go
// through files in `folder`.
PythonRun runInPython(const QString& modelPath, const std::vector<c10::IValue>& inputs, const QString& folder);

} // namespace memoscope::test
