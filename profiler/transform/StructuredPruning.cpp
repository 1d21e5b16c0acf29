// Structured pruning: follow the model's channels through the ops it really runs (ChannelGraph), choose the
// units to remove (PruningPlan), cut every tensor that follows them, update the code that counts them
// (ChannelCounts), and check that the result runs, in eval and in training mode. Where it does not, the units
// of the layer that failed stay and the rest is tried again: a model Memoscope writes always runs.

#include "ChannelCounts.h"
#include "ChannelGraph.h"
#include "FusedFastPaths.h"
#include "GraphRewrite.h"
#include "LayerForwards.h"
#include "OpTrace.h"
#include "Pruning.h"
#include "PruningPlan.h"
#include "ScriptEditing.h"
#include "profiler/ProfileError.h"

#include <torch/torch.h>

#include <set>

namespace memoscope {

using torch::jit::Module;

namespace {

    void cutTensors(
        Module& model, const ChannelAnalysis& analysis, const std::vector<bool>& keep, std::set<std::string>* touched)
    {
        torch::NoGradGuard noGrad;
        for (const ChannelSlice& slice : analysis.slices) {
            std::vector<int64_t> indices;
            for (size_t i = 0; i < slice.units.size(); ++i)
                if (slice.units[i] < 0 || keep[size_t(slice.units[i])])
                    indices.push_back(int64_t(i));
            if (indices.size() == slice.units.size())
                continue;
            Module module = *script::findModule(model, slice.layer);
            const at::Tensor tensor = module.attr(slice.tensor).toTensor();
            const at::Tensor cut
                = tensor.detach().index_select(slice.dim, torch::tensor(indices, torch::kLong)).contiguous();
            const auto type = module.type();
            if (type->hasAttribute(slice.tensor) && type->is_parameter(type->getAttributeSlot(slice.tensor)))
                module.register_parameter(
                    slice.tensor, cut.requires_grad_(tensor.requires_grad()), /*is_buffer=*/false);
            else
                module._ivalue()->setAttr(slice.tensor, cut);
            touched->insert(slice.layer);
        }
    }

    // Each cut layer's own description: channel counts, a depthwise convolution's groups, heads, hidden size.
    void describeLayers(Module& model, const Module& before, const std::set<std::string>& touched)
    {
        for (const std::string& path : touched) {
            Module layer = *script::findModule(model, path);
            const std::string type = script::className(layer);
            const auto size = [&](const char* tensor, int64_t dim) { return layer.attr(tensor).toTensor().size(dim); };
            if (type == "Conv1d" || type == "Conv2d" || type == "Conv3d") {
                const Module old = *script::findModule(before, path);
                const int64_t oldGroups
                    = old.type()->hasConstant("groups") ? old.type()->getConstant("groups").toInt() : 1;
                const int64_t oldOut = old.attr("weight").toTensor().size(0);
                const bool depthwise = oldGroups > 1 && size("weight", 1) == 1;
                const int64_t groups = depthwise ? size("weight", 0) / (oldOut / oldGroups) : oldGroups;
                script::setConstant(layer, "groups", groups);
                script::setConstant(layer, "out_channels", size("weight", 0));
                script::setConstant(layer, "in_channels", size("weight", 1) * groups);
            } else if (type == "Linear" || type == "NonDynamicallyQuantizableLinear") {
                script::setConstant(layer, "out_features", size("weight", 0));
                script::setConstant(layer, "in_features", size("weight", 1));
            } else if (type.rfind("BatchNorm", 0) == 0 && layer.hasattr("running_mean")) {
                script::setConstant(layer, "num_features", size("running_mean", 0));
            } else if (type == "LayerNorm" && layer.hasattr("weight") && layer.attr("weight").isTensor()) {
                script::setConstant(layer, "normalized_shape", c10::ivalue::Tuple::create({ size("weight", 0) }));
            } else if (type == "Embedding") {
                script::setConstant(layer, "embedding_dim", size("weight", 1));
            }
            if (type == "MultiheadAttention" || type == "LSTM" || type == "GRU" || type == "RNN")
                script::describeRewrittenLayer(layer);
        }
    }

    void collectShapes(const c10::IValue& value, std::vector<std::vector<int64_t>>* shapes)
    {
        if (value.isTensor())
            shapes->push_back(value.toTensor().sizes().vec());
        else if (value.isTuple())
            for (const c10::IValue& element : value.toTupleRef().elements())
                collectShapes(element, shapes);
        else if (value.isList())
            for (const c10::IValue& element : value.toListRef())
                collectShapes(element, shapes);
    }

    std::string lastLine(const std::string& message)
    {
        std::string text = message;
        while (!text.empty() && text.back() == '\n')
            text.pop_back();
        const size_t newline = text.rfind('\n');
        return newline == std::string::npos ? text : text.substr(newline + 1);
    }

    // Runs the pruned model as the original ran; on failure, the error and the layers that ran up to it, the
    // failing op's first (the cut that broke it may be upstream: a split whose parts changed).
    bool runsLike(Module& pruned, const std::vector<c10::IValue>& inputs, const std::vector<TracedRun>& runs,
        std::vector<std::string>* layers, std::string* error)
    {
        for (size_t r = 0; r < runs.size(); ++r) {
            std::vector<TracedOp> ops;
            c10::IValue output;
            try {
                traceOps(pruned, inputs, &output, /*training=*/r == 1, &ops);
            } catch (const std::exception& failure) {
                for (auto op = ops.rbegin(); op != ops.rend(); ++op)
                    if (std::find(layers->begin(), layers->end(), op->layer) == layers->end())
                        layers->push_back(op->layer);
                *error = lastLine(failure.what());
                return false;
            }
            std::vector<std::vector<int64_t>> expected, got;
            collectShapes(runs[r].output, &expected);
            collectShapes(output, &got);
            if (expected != got) {
                *error = "its output changed shape";
                return false;
            }
        }
        return true;
    }

    // The units removed in a layer's tensors or counted in its code: kept when that layer failed.
    std::vector<int> blame(const ChannelAnalysis& analysis, const std::vector<TracedRun>& runs,
        const std::vector<bool>& keep, const std::string& layer)
    {
        std::set<int> units;
        const auto add = [&](const std::vector<int>& list) {
            for (int unit : list)
                if (unit >= 0 && !keep[size_t(unit)])
                    units.insert(unit);
        };
        for (const ChannelSlice& slice : analysis.slices)
            if (slice.layer == layer)
                add(slice.units);
        for (const SizeArgument& size : analysis.sizes)
            if (runs[size.run].ops[size.op].layer == layer)
                add(size.units);
        for (const ChannelParts& parts : analysis.parts)
            if (runs[parts.run].ops[parts.op].layer == layer)
                for (const std::vector<int>& part : parts.parts)
                    add(part);
        return std::vector<int>(units.begin(), units.end());
    }

    [[noreturn]] void nothingToPrune(const PruningPlan& plan)
    {
        std::string reasons;
        for (size_t i = 0; i < plan.leftWhole.size() && i < 3; ++i)
            reasons += (i ? "; " : "") + plan.leftWhole[i].layer + ": " + plan.leftWhole[i].reason;
        throw ProfileError(ExitBadInput,
            QStringLiteral("nothing in this model can be pruned safely%1, so no file was written")
                .arg(reasons.empty() ? QString() : QStringLiteral(" (%1)").arg(QString::fromStdString(reasons))));
    }

    void describe(TransformReport& report, const ChannelAnalysis& analysis, const PruningPlan& plan,
        const std::set<std::string>& touched)
    {
        for (const ChannelGroup& group : analysis.groups)
            for (const ChannelSlice& producer : group.producers) {
                const size_t kept = size_t(std::count_if(producer.units.begin(), producer.units.end(),
                    [&](int u) { return u < 0 || plan.keep[size_t(u)]; }));
                if (kept == producer.units.size())
                    continue;
                report.notes.push_back(producer.layer + ": " + std::to_string(producer.units.size()) + " -> "
                    + std::to_string(kept) + (producer.tensor == "weight" ? "" : " (" + producer.tensor + ")"));
            }
        report.changed.assign(touched.begin(), touched.end());
        std::set<std::string> skipped;
        for (const SkippedLayer& whole : plan.leftWhole)
            if (skipped.insert(whole.layer).second)
                report.skip(whole.layer, whole.reason);
    }
}

namespace {
    // `a, b = x.chunk(2, 1)` compiles to prim::ConstantChunk, which runs without a RecordFunction: the trace
    // would not see the split (ShuffleNet's halves). As aten::chunk and an unpack it is traced, and its parts can
    // be rewritten when they no longer come out even.
    void traceableChunks(torch::jit::Graph& graph)
    {
        std::vector<torch::jit::Node*> chunks;
        script::forEachNode(graph.block(), [&](torch::jit::Node* node) {
            if (node->kind() == c10::prim::ConstantChunk)
                chunks.push_back(node);
        });
        for (torch::jit::Node* node : chunks) {
            torch::jit::WithInsertPoint guard(node);
            torch::jit::Graph& owner = *node->owningGraph();
            torch::jit::Value* list = owner.insert(c10::aten::chunk,
                { node->input(), node->i(c10::attr::chunks), node->i(c10::attr::dim) }, {}, node->sourceRange());
            torch::jit::Node* unpack = owner.createListUnpack(list, node->outputs().size());
            unpack->setSourceRange(node->sourceRange());
            owner.insertNode(unpack);
            for (size_t i = 0; i < node->outputs().size(); ++i)
                node->output(i)->replaceAllUsesWith(unpack->output(i));
            node->destroy();
        }
    }
}

std::vector<TracedRun> prepareForPruning(
    Module& model, const std::vector<c10::IValue>& inputs, std::vector<std::string>* notes)
{
    // The fused transformer path off, a type for every layer, Memoscope's forwards for attention and recurrent
    // layers, free functions inlined into each layer's methods (so that every call site belongs to one layer),
    // and reloaded so that all of it is what runs.
    if (script::disableFusedFastPaths(script::methodGraphs(model)) > 0 && notes)
        notes->push_back("PyTorch's fused transformer fast path is turned off so that pruned layers run their own ops");
    script::uniquifyTypes(model);
    script::replaceLayerForwards(model);
    for (const auto& graph : script::methodGraphs(model)) {
        script::inlineFunctionCalls(*graph);
        traceableChunks(*graph);
    }
    const bool training = model.is_training();
    model = script::roundTrip(model);
    model.train(training);
    // Eval mode, and training mode when the model can (auxiliary classifiers run only there and must be cut
    // as well; BatchNorm on one value per channel cannot train, and then training is not checked either).
    std::vector<TracedRun> runs(1);
    runs[0].ops = traceOps(model, inputs, &runs[0].output);
    try {
        TracedRun trained;
        trained.ops = traceOps(model, inputs, &trained.output, /*training=*/true);
        runs.push_back(std::move(trained));
    } catch (const std::exception&) {
    }
    return runs;
}

TransformReport pruneStructured(Module& root, const std::vector<c10::IValue>& exampleInputs,
    const PruningSettings& settings, const TransformOptions& options)
{
    TransformReport report;
    Module model = root;
    const std::vector<TracedRun> runs = prepareForPruning(model, exampleInputs, &report.notes);
    const ChannelAnalysis analysis = analyzeChannels(model, runs);
    HeldUnits held;
    for (int attempt = 0; attempt < 40; ++attempt) {
        const PruningPlan plan = planPruning(model, analysis, settings, options, held);
        if (!plan.removesAny())
            nothingToPrune(plan);
        Module candidate = model.clone(/*inplace=*/true);
        std::set<std::string> touched;
        cutTensors(candidate, analysis, plan.keep, &touched);
        const HeldUnits uncountable = updateChannelCounts(candidate, runs, analysis, plan.keep);
        if (!uncountable.empty()) {
            held.insert(uncountable.begin(), uncountable.end());
            continue;
        }
        describeLayers(candidate, model, touched);
        Module pruned = script::roundTrip(candidate);
        pruned.train(root.is_training());
        std::vector<std::string> layers;
        std::string error;
        if (runsLike(pruned, exampleInputs, runs, &layers, &error)) {
            describe(report, analysis, plan, touched);
            root = pruned;
            return report;
        }
        std::vector<int> blamed;
        std::string layer;
        for (size_t i = 0; i < layers.size() && blamed.empty(); ++i)
            blamed = blame(analysis, runs, plan.keep, layer = layers[i]);
        if (blamed.empty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("structured pruning would leave a model that fails (%1), so no file was written")
                    .arg(QString::fromStdString(error)));
        for (int unit : blamed)
            held.emplace(unit,
                "left whole: the model failed in " + (layer.empty() ? std::string("its top level") : layer)
                    + " without it (" + error + ")");
    }
    throw ProfileError(
        ExitBadInput, QStringLiteral("structured pruning found no cut this model runs with, so no file was written"));
}

} // namespace memoscope
