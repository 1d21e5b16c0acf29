#include "GraphRewrite.h"

#include "ScriptEditing.h"

#include <torch/csrc/jit/api/function_impl.h>

#include <algorithm>
#include <unordered_set>

namespace memoscope::script {

using namespace torch::jit;

InstancesByType instancesByType(const Module& root)
{
    InstancesByType instances;
    for (const auto& [path, module] : namedModules(root))
        instances.emplace(module.type().get(), ModuleInstance { path, module });
    return instances;
}

std::vector<std::shared_ptr<Graph>> methodGraphs(const Module& root)
{
    std::vector<std::shared_ptr<Graph>> graphs;
    std::unordered_set<const c10::ClassType*> seen;
    for (const auto& [path, module] : namedModules(root)) {
        if (!seen.insert(module.type().get()).second)
            continue;
        for (Function* method : module.type()->methods())
            graphs.push_back(toGraphFunction(*method).graph());
    }
    return graphs;
}

Value* refinedSource(Value* value)
{
    for (;;) {
        Node* node = value->node();
        if (node->kind() == prim::unchecked_cast) {
            value = node->input();
            continue;
        }
        if (node->kind() != prim::If)
            return value;
        const size_t index = value->offset();
        Value* only = nullptr;
        for (Block* branch : node->blocks()) {
            Value* candidate = branch->outputs()[index];
            if (candidate->node()->kind() == prim::Uninitialized)
                continue; // the branch that raises
            if (only)
                return value; // a real choice between two values
            only = candidate;
        }
        if (!only)
            return value;
        value = only;
    }
}

void forEachNode(Block* block, const std::function<void(Node*)>& visit)
{
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
        Node* node = *it++; // the visitor may destroy the node
        for (Block* inner : node->blocks())
            forEachNode(inner, visit);
        visit(node);
    }
}

void inlineFunctionCalls(Graph& graph)
{
    for (bool inlined = true; inlined;) {
        inlined = false;
        forEachNode(graph.block(), [&](Node* node) {
            if (node->kind() != prim::CallFunction)
                return;
            const auto function = node->input(0)->type()->expect<c10::FunctionType>();
            if (auto* callee = tryToGraphFunction(*function->function())) {
                node->removeInput(0); // the function itself; inlineCallTo expects only the arguments
                inlineCallTo(node, callee);
                inlined = true;
            }
        });
    }
}

const ModuleInstance* moduleOf(Value* value, const InstancesByType& instances)
{
    const auto type = value->type()->cast<c10::ClassType>();
    if (!type)
        return nullptr;
    const auto it = instances.find(type.get());
    return it == instances.end() ? nullptr : &it->second;
}

std::vector<Node*> attributeReads(
    const std::vector<std::shared_ptr<Graph>>& graphs, const c10::ClassType* owner, const std::string& name)
{
    std::vector<Node*> reads;
    for (const auto& graph : graphs)
        forEachNode(graph->block(), [&](Node* node) {
            if (node->kind() == prim::GetAttr && node->s(attr::name) == name && node->input()->type().get() == owner)
                reads.push_back(node);
        });
    return reads;
}


namespace {
    // Ops that look at a tensor without its values: the stored tensor answers them as the converted one would.
    bool looksOnly(NodeKind kind)
    {
        return kind == prim::is_cuda || kind == prim::device || kind == prim::requires_grad || kind == prim::layout
            || kind == aten::dim || kind == aten::size || kind == aten::__is__ || kind == aten::__isnot__;
    }

    // The If output a branch's value leaves through, when every other branch only raises; else null.
    Value* refinedIfOutput(Node* returnNode, size_t index)
    {
        Node* choice = returnNode->owningBlock()->owningNode();
        if (!choice || choice->kind() != prim::If)
            return nullptr;
        for (Block* branch : choice->blocks())
            if (branch != returnNode->owningBlock()
                && branch->outputs()[index]->node()->kind() != prim::Uninitialized)
                return nullptr;
        return choice->outputs()[index];
    }
}

int convertAttributeAtUses(const std::vector<std::shared_ptr<Graph>>& graphs, const c10::ClassType* owner,
    const std::string& name, const StoredWeight& weight)
{
    int conversions = 0;
    for (Node* read : attributeReads(graphs, owner, name)) {
        Graph& graph = *read->owningGraph();
        Value* stored = nullptr;
        {
            WithInsertPoint guard(read->next());
            stored = weight.storedRead(graph, read->input(), read->output());
        }
        if (stored != read->output())
            read->output()->replaceAllUsesWith(stored);
        // Values that carry the stored tensor: the stored read, and its refinements.
        std::vector<Value*> carriers { stored };
        while (!carriers.empty()) {
            Value* value = carriers.back();
            carriers.pop_back();
            for (const Use& use : std::vector<Use>(value->uses())) {
                Node* user = use.user;
                if (user == stored->node())
                    continue; // the stored read's own input (the read itself)
                if (looksOnly(user->kind()))
                    continue;
                if (user->kind() == prim::unchecked_cast) {
                    carriers.push_back(user->output());
                    continue;
                }
                if (user->kind() == prim::dtype) {
                    WithInsertPoint guard(user);
                    user->output()->replaceAllUsesWith(graph.insertConstant(int64_t(weight.convertedType)));
                    user->destroy();
                    continue;
                }
                if (user->kind() == prim::Return) {
                    if (Value* output = refinedIfOutput(user, use.offset)) {
                        carriers.push_back(output);
                        continue;
                    }
                }
                WithInsertPoint guard(user);
                // An attribute declared Optional[Tensor] (Conv2d's bias) is read as `Tensor?`; it holds a tensor
                // here (the stored one), and the conversions take a Tensor.
                Value* tensor = value->type()->kind() == c10::TypeKind::OptionalType
                    ? graph.insertUncheckedCast(value, c10::TensorType::get())
                    : value;
                user->replaceInput(use.offset, weight.convert(graph, read->input(), tensor));
                ++conversions;
            }
        }
        if (!read->output()->hasUses())
            read->destroy();
    }
    return conversions;
}

} // namespace memoscope::script
