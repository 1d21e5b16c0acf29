#pragma once
// Turns the TorchScript interpreter's call stack into the module path users write ("layer1.0.conv1").
// torch::jit::currentModuleHierarchy() returns entries such as "TOP(ResNet)::forward",
// "SELF(ResNet)::_forward_impl", "layer1(Sequential)::forward", "0(BasicBlock)::forward" and
// "CALL_FUNCTION::relu()::relu"; only the named submodule entries make up the path.

#include <string>
#include <vector>

namespace memoscope {

struct ModuleFrame {
    std::string path; // empty for the root module
    std::string type; // class name of the innermost module, e.g. "Conv2d"
};

ModuleFrame moduleFromHierarchy(const std::vector<std::string>& entries);

} // namespace memoscope
