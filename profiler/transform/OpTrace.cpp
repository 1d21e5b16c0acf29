#include "OpTrace.h"

#include "profiler/ModuleHierarchy.h"

#include <ATen/record_function.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/torch.h>

#include <mutex>

namespace memoscope {

namespace {
    std::mutex g_tracing;
    std::vector<TracedOp>* g_ops = nullptr;
    thread_local int t_depth = 0;

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
        op.layer = moduleFromHierarchy(torch::jit::currentModuleHierarchy()).path;
        op.arguments = lastOf(fn.inputs(), schema->arguments().size());
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

std::vector<TracedOp> traceOps(torch::jit::Module& module, const std::vector<c10::IValue>& inputs, c10::IValue* output)
{
    std::lock_guard<std::mutex> lock(g_tracing);
    std::vector<TracedOp> ops;
    g_ops = &ops;
    const bool training = module.is_training();
    module.eval();
    const auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(&onStart, &onEnd).needsInputs(true).needsOutputs(true).scopes(
            { at::RecordScope::FUNCTION }));
    try {
        torch::NoGradGuard noGrad;
        c10::IValue result = module.forward(inputs);
        if (output)
            *output = result;
    } catch (...) {
        at::removeCallback(handle);
        g_ops = nullptr;
        module.train(training);
        throw;
    }
    at::removeCallback(handle);
    g_ops = nullptr;
    module.train(training);
    return ops;
}

} // namespace memoscope
