#include "CheckpointSelective.h"

#include "CheckpointFunction.h"
#include "ScriptEditing.h"
#include "profiler/ProfileError.h"

#include <ATen/autocast_mode.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/library.h>
#include <torch/torch.h>

#include <QString>

#include <algorithm>

namespace memoscope {

namespace checkpointing {
    const char* const keptForward = "_memoscope_forward_keeping";
    const char* const recomputeMethod = "_memoscope_recompute";
    const char* const keepAttribute = "_memoscope_keep";
}

namespace {
    using torch::jit::Graph;
    using torch::jit::Module;
    using torch::jit::Node;
    using torch::jit::Value;

    const c10::Symbol conv2d = c10::Symbol::fromQualString("aten::conv2d");
    const c10::Symbol keepIf = c10::Symbol::fromQualString("memoscope::keep_if");
    const c10::Symbol keptConv2d = c10::Symbol::fromQualString("memoscope::kept_conv2d");

    // "block.0.0" for a weight read as self.block.0.0.weight; empty when it is not read from a submodule.
    std::string weightOwner(const Value* weight, const Value* self)
    {
        std::vector<std::string> names;
        const Value* value = weight;
        while (value->node()->kind() == c10::prim::GetAttr) {
            names.push_back(value->node()->s(c10::attr::name));
            value = value->node()->input(0);
        }
        if (value != self || names.size() < 2)
            return {};
        std::string path;
        for (size_t i = names.size() - 1; i > 0; --i)
            path += (path.empty() ? "" : ".") + names[i];
        return path;
    }

    // Kept outputs are saved for backward: one that an in-place op changes afterwards, directly or through a view,
    // or that leaves the segment (where the next layer may change it), would no longer be what was saved. An
    // output leaving an if-branch is followed to the if's own output; one leaving a loop's body is not kept.
    bool unsafeToKeep(const Value* output)
    {
        for (const torch::jit::Use& use : output->uses()) {
            const Node* user = use.user;
            if (user->kind() == c10::prim::Return) {
                const Node* branch = user->owningBlock()->owningNode();
                if (!branch || branch->kind() != c10::prim::If || unsafeToKeep(branch->outputs()[use.offset]))
                    return true;
                continue;
            }
            if (user->kind() == c10::prim::TupleConstruct)
                return true;
            const std::string kind = user->kind().toUnqualString();
            if (kind.size() > 1 && kind.back() == '_' && kind[kind.size() - 2] != '_')
                return true;
            const c10::FunctionSchema* schema = user->maybeSchema();
            if (!schema || use.offset >= schema->arguments().size())
                continue;
            const c10::AliasInfo* alias = schema->arguments()[use.offset].alias_info();
            if (alias && alias->isWrite())
                return true;
            if (alias)
                for (const Value* view : user->outputs())
                    if (unsafeToKeep(view))
                        return true;
        }
        return false;
    }

    // The candidates of one block, entering if-branches (a convolution there runs at most once per forward) but
    // not loops (one there runs any number of times: there is no one output to keep).
    void findCandidates(torch::jit::Block* block, const Value* self, std::vector<std::pair<Node*, std::string>>& found)
    {
        for (Node* node : block->nodes()) {
            if (node->kind() == c10::prim::If)
                for (torch::jit::Block* branch : node->blocks())
                    findCandidates(branch, self, found);
            if (node->kind() != conv2d || node->inputs().size() != 7
                || node->input(4)->type()->kind() != c10::TypeKind::ListType || unsafeToKeep(node->output()))
                continue;
            const std::string owner = weightOwner(node->input(1), self);
            if (!owner.empty())
                found.emplace_back(node, owner);
        }
    }

    // The candidate convolutions of an inlined graph, with their layer paths, in graph order: the int[]-padding
    // overload (what nn.Conv2d calls), on the top level or inside if-branches (mobilenet_v2's residual branch).
    // A layer called in two branches is a candidate in each.
    std::vector<std::pair<Node*, std::string>> candidates(Graph& graph)
    {
        std::vector<std::pair<Node*, std::string>> found;
        findCandidates(graph.block(), graph.inputs()[0], found);
        return found;
    }

    // A value computed inside if-branches, made visible on the graph's top level: each enclosing if returns one
    // more output, the value from the branch that computed it and None from the others.
    Value* liftedOut(Graph& graph, Value* value)
    {
        while (value->node()->owningBlock() != graph.block()) {
            torch::jit::Block* block = value->node()->owningBlock();
            Node* branch = block->owningNode(); // an if: findCandidates enters nothing else
            for (torch::jit::Block* arm : branch->blocks()) {
                if (arm == block) {
                    arm->registerOutput(value);
                    continue;
                }
                torch::jit::WithInsertPoint end(arm->return_node());
                arm->registerOutput(graph.insertConstant(c10::IValue()));
            }
            value = branch->addOutput()->setType(c10::OptionalType::ofTensor());
        }
        return value;
    }

    bool hasCalls(const torch::jit::Block* block)
    {
        for (const Node* node : block->nodes()) {
            if (node->kind() == c10::prim::CallMethod || node->kind() == c10::prim::CallFunction)
                return true;
            for (const torch::jit::Block* inner : node->blocks())
                if (hasCalls(inner))
                    return true;
        }
        return false;
    }

    std::shared_ptr<Graph> inlinedForward(const Module& segment)
    {
        const char* forward
            = segment.find_method(checkpointing::originalForward) ? checkpointing::originalForward : "forward";
        std::shared_ptr<Graph> graph
            = torch::jit::toGraphFunction(segment.get_method(forward).function()).graph()->copy();
        // Inline puts in each callee's optimized graph, which with the graph executor's optimizations off (as
        // the profiler runs) is not inlined itself: one level per pass.
        for (int depth = 0; depth < 64 && hasCalls(graph->block()); ++depth)
            torch::jit::Inline(*graph);
        // torchvision's convolutions branch on padding_mode, a constant: folding it puts them on the top level.
        torch::jit::ConstantPropagation(graph);
        torch::jit::EliminateDeadCode(graph);
        return graph;
    }

    std::shared_ptr<Graph> keptForwardGraph(const Module& segment)
    {
        std::shared_ptr<Graph> graph = inlinedForward(segment);
        Value* self = graph->inputs()[0];
        std::vector<Value*> returned { graph->outputs()[0] };
        int64_t index = 0;
        for (const auto& [node, owner] : candidates(*graph)) {
            torch::jit::WithInsertPoint after(node->next());
            returned.push_back(liftedOut(*graph, graph->insert(keepIf, { self, node->output(), index++ })));
        }
        torch::jit::WithInsertPoint end(graph->return_node());
        Value* tuple = graph->insertNode(graph->createTuple(returned))->output();
        graph->eraseOutput(0);
        graph->registerOutput(tuple);
        return graph;
    }

    std::shared_ptr<Graph> recomputeGraph(const Module& segment)
    {
        std::shared_ptr<Graph> graph = inlinedForward(segment);
        for (const auto& [node, owner] : candidates(*graph)) {
            Value* kept = graph->addInput("kept")->setType(c10::OptionalType::ofTensor());
            torch::jit::WithInsertPoint before(node);
            std::vector<torch::jit::NamedValue> arguments { kept };
            for (Value* input : node->inputs())
                arguments.emplace_back(input);
            Value* replaced = graph->insert(keptConv2d, arguments);
            node->output()->replaceAllUsesWith(replaced);
            node->destroy();
        }
        return graph;
    }

    void addMethod(Module& segment, const std::string& name, std::shared_ptr<Graph> graph)
    {
        const c10::ClassTypePtr type = segment.type();
        auto unit = segment._ivalue()->compilation_unit();
        type->addMethod(unit->create_function(c10::QualifiedName(*type->name(), name), std::move(graph)));
    }

    std::vector<bool> keepMask(const Module& segment)
    {
        if (!segment.hasattr(checkpointing::keepAttribute))
            return {};
        const c10::List<bool> mask = segment.attr(checkpointing::keepAttribute).toBoolList();
        return std::vector<bool>(mask.begin(), mask.end());
    }

    // Returns the kept output as it is; backward is the convolution's own, on the input and weight the
    // recompute made or kept.
    class KeptConvolution : public torch::autograd::Function<KeptConvolution> {
    public:
        // `bias` is optional, not an undefined tensor: autograd takes every tensor argument as an input.
        static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& kept,
            const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
            std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups)
        {
            ctx->save_for_backward({ input, weight });
            const bool hasBias = bias && bias->defined();
            ctx->saved_data["bias"] = hasBias ? c10::IValue(bias->sizes().vec()) : c10::IValue();
            ctx->saved_data["stride"] = stride;
            ctx->saved_data["padding"] = padding;
            ctx->saved_data["dilation"] = dilation;
            ctx->saved_data["groups"] = groups;
            return kept;
        }

        static torch::autograd::variable_list backward(
            torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads)
        {
            torch::autograd::variable_list result(8);
            if (!grads[0].defined())
                return result;
            const torch::autograd::variable_list saved = ctx->get_saved_variables();
            const c10::IValue biasSizes = ctx->saved_data["bias"];
            const std::vector<int64_t> stride = ctx->saved_data["stride"].toIntVector();
            const std::vector<int64_t> sizes = biasSizes.isNone() ? std::vector<int64_t>() : biasSizes.toIntVector();
            const std::vector<int64_t> outputPadding(stride.size(), 0);
            // Autograd's edges: kept, input, weight, bias.
            const std::array<bool, 3> mask { ctx->needs_input_grad(1), ctx->needs_input_grad(2),
                !biasSizes.isNone() && ctx->needs_input_grad(3) };
            auto [input, weight, bias] = at::convolution_backward(grads[0], saved[0], saved[1],
                biasSizes.isNone() ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(sizes), stride,
                ctx->saved_data["padding"].toIntVector(), ctx->saved_data["dilation"].toIntVector(),
                /*transposed=*/false, outputPadding, ctx->saved_data["groups"].toInt(), mask);
            result[1] = input;
            result[2] = weight;
            result[3] = bias;
            return result;
        }
    };

    c10::optional<at::Tensor> keepIfChosen(const c10::IValue& segment, const at::Tensor& output, int64_t index)
    {
        const std::vector<bool> mask = keepMask(Module(segment.toObject()));
        if (index >= 0 && size_t(index) < mask.size() && mask[size_t(index)])
            return output;
        return c10::nullopt;
    }

    at::Tensor keptOrComputed(const c10::optional<at::Tensor>& kept, const at::Tensor& input, const at::Tensor& weight,
        const c10::optional<at::Tensor>& bias, std::vector<int64_t> stride, std::vector<int64_t> padding,
        std::vector<int64_t> dilation, int64_t groups)
    {
        // Unbatched inputs go through conv2d's own reshaping, and under autocast the kept output was made from
        // autocast's casts of the weights: computed, not kept.
        if (!kept || !kept->defined() || input.dim() != 4 || !at::GradMode::is_enabled()
            || at::autocast::is_cpu_enabled())
            return at::conv2d(input, weight, bias, stride, padding, dilation, groups);
        return KeptConvolution::apply(
            *kept, input, weight, bias, std::move(stride), std::move(padding), std::move(dilation), groups);
    }
}

std::vector<std::string> keepableLayers(const Module& segment)
{
    std::shared_ptr<Graph> graph = inlinedForward(segment);
    std::vector<std::string> layers;
    for (const auto& [node, owner] : candidates(*graph))
        if (std::find(layers.begin(), layers.end(), owner) == layers.end())
            layers.push_back(owner);
    return layers;
}

void keepLayerOutputs(Module& root, Module& segment, const std::vector<std::string>& kept)
{
    std::shared_ptr<Graph> graph = inlinedForward(segment);
    std::vector<std::string> keepable;
    c10::List<bool> mask; // per candidate call, as keep_if indexes them: a layer called in two branches twice
    for (const auto& [node, owner] : candidates(*graph)) {
        keepable.push_back(owner);
        mask.push_back(std::find(kept.begin(), kept.end(), owner) != kept.end());
    }
    for (const std::string& layer : kept)
        if (std::find(keepable.begin(), keepable.end(), layer) == keepable.end())
            throw ProfileError(ExitBadInput,
                QStringLiteral("selective checkpointing cannot keep the output of %1 inside %2: it is not a "
                               "convolution the segment's forward runs on its own")
                    .arg(QString::fromStdString(layer),
                        QString::fromStdString(segment.attr(checkpointing::pathAttribute).toStringRef())));
    const c10::ClassTypePtr type = segment.type();
    if (!type->findMethod(checkpointing::keptForward)) {
        for (auto& [path, module] : script::namedModules(root))
            if (module.type() == type)
                module.register_attribute(checkpointing::keepAttribute, c10::ListType::ofBools(), c10::List<bool>());
        addMethod(segment, checkpointing::keptForward, keptForwardGraph(segment));
        addMethod(segment, checkpointing::recomputeMethod, recomputeGraph(segment));
    }
    segment.setattr(checkpointing::keepAttribute, mask);
}

bool keepsOutputs(const Module& segment)
{
    const std::vector<bool> mask = keepMask(segment);
    return segment.type()->findMethod(checkpointing::recomputeMethod)
        && std::find(mask.begin(), mask.end(), true) != mask.end();
}

TORCH_LIBRARY_FRAGMENT(memoscope, library)
{
    library.def("keep_if(Any segment, Tensor output, int index) -> Tensor?", &keepIfChosen);
    library.def("kept_conv2d(Tensor? kept, Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, "
                "int[] dilation, int groups) -> Tensor",
        &keptOrComputed);
}

} // namespace memoscope
