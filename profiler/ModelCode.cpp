#include "ModelCode.h"

#include "TorchModel.h"
#include "transform/GraphRewrite.h"
#include "transform/ScriptEditing.h"

#include <torch/csrc/jit/api/function_impl.h>

#include <unordered_set>

namespace memoscope {

namespace {
    struct OwnedGraph {
        std::shared_ptr<torch::jit::Graph> graph;
        const c10::ClassType* owner = nullptr;
    };

    // Every method of every module type and every free function the model's compilation unit holds, once.
    std::vector<OwnedGraph> allGraphs(const torch::jit::Module& module)
    {
        std::vector<OwnedGraph> graphs;
        std::unordered_set<const torch::jit::Graph*> seen;
        auto add = [&](const std::shared_ptr<torch::jit::Graph>& graph, const c10::ClassType* owner) {
            if (graph && seen.insert(graph.get()).second)
                graphs.push_back(OwnedGraph { graph, owner });
        };
        for (const auto& [path, instance] : script::namedModules(module))
            for (const torch::jit::Method& method : instance.get_methods())
                add(method.graph(), instance.type().get());
        for (torch::jit::Function* function : module._ivalue()->compilation_unit()->get_functions())
            if (auto* graphFunction = torch::jit::tryToGraphFunction(*function))
                add(graphFunction->graph(), nullptr);
        return graphs;
    }
}

std::vector<CodeConstant> codeConstants(const torch::jit::Module& module)
{
    std::vector<CodeConstant> constants;
    std::unordered_set<const void*> seen;
    for (const OwnedGraph& owned : allGraphs(module))
        script::forEachNode(owned.graph->block(), [&](torch::jit::Node* node) {
            if (node->kind() != c10::prim::Constant || node->outputs().size() != 1)
                return;
            const c10::TypePtr& type = node->output()->type();
            if (type->kind() != c10::TypeKind::TensorType && type->kind() != c10::TypeKind::ClassType)
                return;
            const c10::optional<c10::IValue> value = torch::jit::toIValue(node->output());
            if (!value)
                return;
            for (const at::Tensor& tensor : tensorsInside(*value))
                if (tensor.defined() && seen.insert(storageAddress(tensor)).second)
                    constants.push_back(CodeConstant { tensor, owned.owner });
        });
    return constants;
}

std::set<std::string> operatorsCalled(const torch::jit::Module& module)
{
    std::set<std::string> operators;
    for (const OwnedGraph& owned : allGraphs(module))
        script::forEachNode(owned.graph->block(), [&](torch::jit::Node* node) {
            const c10::Symbol kind = node->kind();
            if (!kind.is_prim() && node->maybeOperator())
                operators.insert(kind.toQualString());
        });
    return operators;
}

} // namespace memoscope
