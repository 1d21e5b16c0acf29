#pragma once
// What a loaded model's code holds and calls, read from its graphs: the operators of every method and function,
// and the tensors held as constants of the code or inside packed objects. Frozen, mobile-optimized and traced
// files keep their weights there instead of in parameters.

#include <torch/script.h>

#include <set>
#include <string>
#include <vector>

namespace memoscope {

struct CodeConstant {
    at::Tensor tensor;
    const c10::ClassType* owner = nullptr; // the module type whose method holds it; null in a free function
};

// Tensors that are constants of the code, with those inside constant objects (a mobile file's packed
// convolutions), each once.
std::vector<CodeConstant> codeConstants(const torch::jit::Module& module);

// Operators the code calls, by qualified name ("aten::conv2d", "torchvision::nms"); the interpreter's own
// (prim::) are left out.
std::set<std::string> operatorsCalled(const torch::jit::Module& module);

} // namespace memoscope
