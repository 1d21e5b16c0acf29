#pragma once
// A record of the ops a model really ran on example inputs: each top-level op the TorchScript interpreter
// called, in order, with its arguments and results (tensors kept alive, so their identities stay unique),
// and the layer it ran in. Pruning reads the model's dataflow from it: control flow is already resolved and
// every shape is concrete.

#include <torch/script.h>

#include <string>
#include <vector>

namespace memoscope {

struct TracedOp {
    std::string name; // "aten::conv2d"
    std::string layer; // module path of the module running it
    std::vector<c10::IValue> arguments;
    std::vector<c10::IValue> results;
};

// Runs the model once (eval mode, no gradients) and returns its ops. The model's training flag is restored.
std::vector<TracedOp> traceOps(torch::jit::Module& module, const std::vector<c10::IValue>& inputs,
    c10::IValue* output = nullptr);

} // namespace memoscope
