#include "OpTrace.h"

#include "profiler/LayerTable.h"
#include "profiler/ModuleHierarchy.h"

#include <ATen/record_function.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/torch.h>

#include <mutex>
#include <unordered_map>

namespace memoscope {

namespace {
    std::mutex g_tracing;
    std::vector<TracedOp>* g_ops = nullptr;
    thread_local int t_depth = 0;

    // The interpreter's stack skips the containers a module was taken from (TransformerEncoder's `layers`):
    // LayerTable finds the real module path through them, so that an op's layer names a module of the model.
    struct LayerPaths {
        LayerTable table;
        std::unordered_map<std::string, std::string> byHierarchy;

        explicit LayerPaths(const torch::jit::Module& root)
        {
            std::unordered_map<std::string, qint32> ids;
            for (const auto& named : root.named_modules()) {
                Layer layer;
                layer.path = QString::fromStdString(named.name);
                const auto name = named.value.type()->name();
                layer.type = QString::fromStdString(name ? name->name() : "Module");
                const size_t dot = named.name.rfind('.');
                layer.parentId = named.name.empty() ? -1 : ids.at(dot == std::string::npos ? "" : named.name.substr(0, dot));
                ids.emplace(named.name, table.add(layer));
            }
        }

        std::string current()
        {
            const std::vector<std::string> entries = torch::jit::currentModuleHierarchy();
            std::string key;
            for (const std::string& entry : entries)
                key += entry + '|';
            const auto cached = byHierarchy.find(key);
            if (cached != byHierarchy.end())
                return cached->second;
            const ModuleFrame frame = moduleFromHierarchy(entries);
            const std::string path = table.layers()[table.findOrAdd(frame.path, frame.type)].path.toStdString();
            byHierarchy.emplace(key, path);
            return path;
        }
    };
    LayerPaths* g_layers = nullptr;

    struct OpContext final : at::ObserverContext {
        size_t index = 0;
        bool recorded = false;
    };

    // Ops called by the interpreter see its whole stack; their own values come last.
    template<typename Values>
    std::vector<c10::IValue> lastOf(const Values& values, size_t count)
    {
        const size_t first = values.size() >= count ? values.size() - count : 0;
        return std::vector<c10::IValue>(values.begin() + first, values.end());
    }

    std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& fn)
    {
        auto context = std::make_unique<OpContext>();
        if (t_depth++ > 0)
            return context; // an op called by another op: its caller is what the model ran
        const auto schema = fn.operator_schema();
        if (!schema)
            return context;
        TracedOp op;
        op.name = fn.name();
        op.layer = g_layers->current();
        const std::vector<torch::jit::StackEntry> calls = torch::jit::currentCallstack();
        if (!calls.empty())
            op.source = calls.front().range; // the innermost frame: the op's own call
        op.arguments = lastOf(fn.inputs(), schema->arguments().size());
        for (c10::IValue& argument : op.arguments)
            if (argument.isList()) // the model may append to it later (DenseNet's features): keep it as called
                argument = argument.toList().copy();
        context->index = g_ops->size();
        context->recorded = true;
        g_ops->push_back(std::move(op));
        return context;
    }

    void onEnd(const at::RecordFunction& fn, at::ObserverContext* context)
    {
        --t_depth;
        auto* op = static_cast<OpContext*>(context);
        if (!op || !op->recorded)
            return;
        const auto schema = fn.operator_schema();
        (*g_ops)[op->index].results = lastOf(fn.outputs(), schema ? schema->returns().size() : fn.outputs().size());
    }
}

std::vector<TracedOp> traceOps(torch::jit::Module& module, const std::vector<c10::IValue>& inputs, c10::IValue* output,
    bool training, std::vector<TracedOp>* failed)
{
    std::lock_guard<std::mutex> lock(g_tracing);
    std::vector<TracedOp> ops;
    g_ops = &ops;
    LayerPaths layers(module);
    g_layers = &layers;
    const bool wasTraining = module.is_training();
    module.train(training);
    std::vector<std::pair<at::Tensor, at::Tensor>> buffers; // training updates them in place
    if (training)
        for (const auto& buffer : module.named_buffers(/*recurse=*/true))
            buffers.emplace_back(buffer.value, buffer.value.clone());
    const auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(&onStart, &onEnd).needsInputs(true).needsOutputs(true).scopes(
            { at::RecordScope::FUNCTION }));
    const auto restore = [&]() {
        at::removeCallback(handle);
        g_ops = nullptr;
        g_layers = nullptr;
        t_depth = 0;
        torch::NoGradGuard noGrad;
        for (auto& [buffer, saved] : buffers)
            buffer.copy_(saved);
        module.train(wasTraining);
    };
    try {
        torch::NoGradGuard noGrad;
        // Op by op, as the code is written: an optimized graph fuses or specializes ops the trace must see.
        torch::jit::GraphOptimizerEnabledGuard asWritten(false);
        c10::IValue result = module.forward(inputs);
        if (output)
            *output = result;
    } catch (...) {
        restore();
        if (failed)
            *failed = std::move(ops);
        throw;
    }
    restore();
    return ops;
}

} // namespace memoscope
