#pragma once
// Turns the TorchScript interpreter's call stack into the module path users write ("layer1.0.conv1").
// torch::jit::currentModuleHierarchy() returns entries such as "TOP(ResNet)::forward",
// "SELF(ResNet)::_forward_impl", "layer1(Sequential)::forward", "0(BasicBlock)::forward" and
// "CALL_FUNCTION::relu()::relu"; only the named submodule entries make up the path.

#include <string>
#include <vector>

namespace torch::jit {
struct Module;
}

namespace memoscope {

struct ModuleFrame {
    std::string path; // empty for the root module
    std::string type; // class name of the innermost module, e.g. "Conv2d"
};

ModuleFrame moduleFromHierarchy(const std::vector<std::string>& entries);

// Whether some code of the model has calls inlined into it (torch.jit.freeze inlines every call): there the
// module path changes from op to op inside one function, so calls do not say which layer runs.
bool modelHasInlinedCalls(const torch::jit::Module& model);

// Every module object of the model (what `self` is in its TorchScript calls) with its path and class name
// ("layer1.0.conv1", "Conv2d"; the root is ""), the first path when a module is registered twice.
struct ModuleObject {
    const void* object = nullptr;
    std::string path;
    std::string type;
};
std::vector<ModuleObject> moduleObjects(const torch::jit::Module& model);

} // namespace memoscope
