#pragma once
// Checks of a model file against Python: the same file loaded with torch.jit.load, run on the same inputs,
// must give the outputs LibTorch gives here, and PyTorch must count the same parameter bytes.

#include <torch/script.h>

#include <QString>

namespace memoscope::test {

// The model's first output in eval mode without grad.
at::Tensor runModel(torch::jit::Module& model, const std::vector<c10::IValue>& inputs);

struct PythonRun {
    double maxDifference = -1; // from what LibTorch computes here; negative when Python could not run it
    qint64 parameterBytes = -1; // model.parameters(), as PyTorch counts them
    qint64 bufferBytes = -1; // model.buffers()
    double largestOutput = 0; // of the output here, to scale tolerances
};

// Loads `modelPath` here (selecting the quantized engine it was packed for) and in Python
// (tests/fixtures/run_in_python.py), and runs both on `inputs`. Inputs and outputs go through files in `folder`.
PythonRun runInPython(const QString& modelPath, const std::vector<c10::IValue>& inputs, const QString& folder);

} // namespace memoscope::test
