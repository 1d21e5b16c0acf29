#include "ModuleHierarchy.h"

#include <torch/script.h>

namespace memoscope {

ModuleFrame moduleFromHierarchy(const std::vector<std::string>& entries)
{
    ModuleFrame frame;
    for (const std::string& entry : entries) {
        const size_t open = entry.find('(');
        const size_t close = entry.find(')', open);
        if (open == std::string::npos || close == std::string::npos)
            continue;
        const std::string name = entry.substr(0, open);
        // Function calls ("CALL_FUNCTION::relu()") and self-calls ("SELF(ResNet)") do not change the module.
        if (name.empty() || name.find(':') != std::string::npos || name == "SELF")
            continue;
        const std::string type = entry.substr(open + 1, close - open - 1);
        if (name == "TOP") {
            frame.path.clear();
        } else {
            if (!frame.path.empty())
                frame.path += '.';
            frame.path += name;
        }
        if (!type.empty())
            frame.type = type;
    }
    return frame;
}

namespace {
    bool blockHasInlinedCalls(const torch::jit::Block* block)
    {
        for (const torch::jit::Node* node : block->nodes()) {
            if (node->callstack())
                return true;
            for (const torch::jit::Block* inner : node->blocks())
                if (blockHasInlinedCalls(inner))
                    return true;
        }
        return false;
    }
}

bool modelHasInlinedCalls(const torch::jit::Module& model)
{
    for (const torch::jit::Module& module : model.modules())
        for (const torch::jit::Method& method : module.get_methods())
            if (blockHasInlinedCalls(method.graph()->block()))
                return true;
    return false;
}

std::vector<ModuleObject> moduleObjects(const torch::jit::Module& model)
{
    std::vector<ModuleObject> objects;
    for (const torch::jit::NameModule& named : model.named_modules()) {
        const auto name = named.value.type()->name();
        objects.push_back(ModuleObject { named.value._ivalue().get(), named.name, name ? name->name() : std::string() });
    }
    return objects;
}

} // namespace memoscope
