#pragma once
// A record of the ops a model really ran on example inputs: each top-level op the TorchScript interpreter
// called, in order, with its arguments and results (tensors kept alive, so their identities stay unique),
// and the layer it ran in. Pruning reads the model's dataflow from it: control flow is already resolved and
// every shape is concrete.

#include <torch/csrc/jit/frontend/source_range.h>
#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace memoscope {

struct TracedOp {
    std::string name; // "aten::conv2d"
    std::string layer; // module path of the module running it
    std::optional<torch::jit::SourceRange> source; // where in the model's code it was called
    std::vector<c10::IValue> arguments;
    std::vector<c10::IValue> results;
};

// Runs the model once (no gradients) and returns its ops. In eval mode, or in training mode (branches that
// only run in training, such as auxiliary classifiers), where the buffers it updates (BatchNorm's running
// statistics) are put back afterwards. The model's training flag is restored. If the model throws, `ops` (when
// given) holds the ops up to the one that failed, which is last.
std::vector<TracedOp> traceOps(torch::jit::Module& module, const std::vector<c10::IValue>& inputs,
    c10::IValue* output = nullptr, bool training = false, std::vector<TracedOp>* failed = nullptr);

} // namespace memoscope
