#pragma once
// Graph-level edits shared by the transforms: walking every method of every module, inlining free function
// calls so that weights can be followed from their attribute to the op that uses them, and rewriting the
// reads of an attribute wherever they happen.

#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace memoscope::script {

// A module instance with its path; after uniquifyTypes() each class type has exactly one.
struct ModuleInstance {
    std::string path;
    torch::jit::Module module;
};
using InstancesByType = std::unordered_map<const c10::ClassType*, ModuleInstance>;
InstancesByType instancesByType(const torch::jit::Module& root);

// The graphs of all methods of all module types under root.
std::vector<std::shared_ptr<torch::jit::Graph>> methodGraphs(const torch::jit::Module& root);

// Inlines prim::CallFunction nodes (free functions such as F.multi_head_attention_forward), leaving calls of
// submodule methods alone so the module hierarchy stays visible to the profiler.
void inlineFunctionCalls(torch::jit::Graph& graph);

// Follows a value back through refinements to where it came from: prim::unchecked_cast, and an If whose other
// branch only raises (how `assert w is not None` compiles). Optional[Tensor] arguments of inlined functions reach
// their uses this way.
torch::jit::Value* refinedSource(torch::jit::Value* value);

void forEachNode(torch::jit::Block* block, const std::function<void(torch::jit::Node*)>& visit);

// The module instance a value holds, when it is a module of the model (after uniquifyTypes()).
const ModuleInstance* moduleOf(torch::jit::Value* value, const InstancesByType& instances);

// Reads of `name` on the instance's type anywhere in the model: prim::GetAttr nodes.
std::vector<torch::jit::Node*> attributeReads(
    const std::vector<std::shared_ptr<torch::jit::Graph>>& graphs, const c10::ClassType* owner, const std::string& name);

// A weight stored as something other than what its readers expect (int8 instead of float32, float16 instead
// of float32). Every read of `name` on `owner` becomes `storedRead` (the stored tensor, cheap to get), and the
// stored tensor is converted with `convert` only where its values are used, just before that use. Uses that
// only look at it (its device, shape, dtype, whether it is None) and refinements of it (`assert w is not None`)
// take the stored tensor, so a conversion needed only in a branch that never runs (cross-attention in
// nn.MultiheadAttention) never runs either, and nn.TransformerEncoderLayer's per-call device checks copy
// nothing. Returns how many conversions were placed.
struct StoredWeight {
    std::function<torch::jit::Value*(torch::jit::Graph&, torch::jit::Value* module, torch::jit::Value* read)> storedRead;
    std::function<torch::jit::Value*(torch::jit::Graph&, torch::jit::Value* module, torch::jit::Value* stored)> convert;
    c10::ScalarType convertedType = c10::kFloat;
};
int convertAttributeAtUses(const std::vector<std::shared_ptr<torch::jit::Graph>>& graphs, const c10::ClassType* owner,
    const std::string& name, const StoredWeight& weight);

} // namespace memoscope::script
