#include "CheckpointFunction.h"

#include "CheckpointSelective.h"
#include "Checkpointing.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/library.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <unordered_set>

namespace memoscope {

namespace checkpointing {
    const char* const originalForward = "_memoscope_checkpointed_forward";
    const char* const enabledAttribute = "_memoscope_checkpoint";
    const char* const pathAttribute = "_memoscope_checkpoint_path";

    const char* opInSource() { return "ops.memoscope.checkpoint"; }
}

namespace {
    using torch::autograd::AutogradContext;
    using torch::autograd::variable_list;
    using torch::jit::Module;

    std::atomic<int64_t> g_recomputeNs { 0 };
    std::atomic<int64_t> g_recomputations { 0 };

    std::string segmentPath(const Module& segment)
    {
        if (segment.hasattr(checkpointing::pathAttribute)) {
            const c10::IValue path = segment.attr(checkpointing::pathAttribute);
            if (path.isString())
                return path.toStringRef();
        }
        const auto name = segment.type()->name();
        return name ? name->qualifiedName() : "a module";
    }

    // What decides the random numbers and the precision of a forward: the recompute must see what the first run
    // saw, or dropout masks and autocast's dtypes differ from the ones the outputs were made with.
    struct ExecutionState {
        at::Tensor rng;
        bool cpuAutocast = false;
        at::ScalarType cpuAutocastType = at::kBFloat16;

        static ExecutionState current()
        {
            at::Generator generator = at::detail::getDefaultCPUGenerator();
            ExecutionState state;
            {
                std::lock_guard<std::mutex> lock(generator.mutex());
                state.rng = generator.get_state();
            }
            state.cpuAutocast = at::autocast::is_cpu_enabled();
            state.cpuAutocastType = at::autocast::get_autocast_cpu_dtype();
            return state;
        }

        void makeCurrent() const
        {
            at::Generator generator = at::detail::getDefaultCPUGenerator();
            {
                // Not held while the segment runs: dropout takes this mutex itself.
                std::lock_guard<std::mutex> lock(generator.mutex());
                generator.set_state(rng);
            }
            at::autocast::set_cpu_enabled(cpuAutocast);
            at::autocast::set_autocast_cpu_dtype(cpuAutocastType);
        }

        void saveTo(AutogradContext* ctx) const
        {
            ctx->saved_data["rng"] = rng;
            ctx->saved_data["cpu_autocast"] = cpuAutocast;
            ctx->saved_data["cpu_autocast_type"] = static_cast<int64_t>(cpuAutocastType);
        }

        static ExecutionState savedIn(AutogradContext* ctx)
        {
            ExecutionState state;
            state.rng = ctx->saved_data["rng"].toTensor();
            state.cpuAutocast = ctx->saved_data["cpu_autocast"].toBool();
            state.cpuAutocastType = static_cast<at::ScalarType>(ctx->saved_data["cpu_autocast_type"].toInt());
            return state;
        }
    };

    // Runs with a saved state and puts the generator and autocast back where they were afterwards, so the
    // recompute does not consume the random numbers of later steps.
    class StateScope {
    public:
        explicit StateScope(const ExecutionState& state)
            : m_previous(ExecutionState::current())
            , m_autocast(state.cpuAutocast)
        {
            state.makeCurrent();
        }
        ~StateScope()
        {
            // Autocast caches the low-precision copies of weights it made; a recompute under autocast outside any
            // autocast region of the caller would leave them cached, and the next forward would use copies of
            // weights the optimizer has changed since.
            if (m_autocast && !m_previous.cpuAutocast)
                at::autocast::clear_cache();
            m_previous.makeCurrent();
        }
        StateScope(const StateScope&) = delete;
        StateScope& operator=(const StateScope&) = delete;

    private:
        ExecutionState m_previous;
        bool m_autocast = false;
    };

    // The segment's buffers and plain attributes as they were before the recompute. The first run already
    // updated them (BatchNorm's running statistics and batch count); the recompute must not count the batch
    // again. Restored only after back-propagating through the recompute, because BatchNorm's backward node
    // saved the running statistics and checks that they were not modified since.
    class AttributeSnapshot {
    public:
        explicit AttributeSnapshot(const Module& segment)
        {
            for (const torch::jit::NameModule& named : segment.named_modules()) {
                const c10::intrusive_ptr<c10::ivalue::Object> object = named.value._ivalue();
                const c10::ClassTypePtr& type = named.value.type();
                for (size_t slot = 0; slot < type->numAttributes(); ++slot) {
                    const c10::IValue& value = object->getSlot(slot);
                    if (type->is_parameter(slot) || value.isModule())
                        continue;
                    if (value.isTensor() && type->is_buffer(slot)) {
                        const at::Tensor& buffer = value.toTensor();
                        m_buffers.push_back(
                            Buffer { object, slot, buffer, buffer.defined() ? buffer.clone() : buffer });
                    } else if (value.isTensor() || value.isInt() || value.isDouble() || value.isBool()
                        || value.isString() || value.isNone()) {
                        m_plain.push_back(Plain { object, slot, value });
                    }
                }
            }
        }
        ~AttributeSnapshot()
        {
            at::NoGradGuard noGrad;
            for (const Buffer& buffer : m_buffers) {
                buffer.owner->setSlot(buffer.slot, buffer.original);
                if (buffer.original.defined())
                    buffer.original.copy_(buffer.values);
            }
            for (const Plain& plain : m_plain)
                plain.owner->setSlot(plain.slot, plain.value);
        }
        AttributeSnapshot(const AttributeSnapshot&) = delete;
        AttributeSnapshot& operator=(const AttributeSnapshot&) = delete;

    private:
        struct Buffer {
            c10::intrusive_ptr<c10::ivalue::Object> owner;
            size_t slot;
            at::Tensor original;
            at::Tensor values;
        };
        struct Plain {
            c10::intrusive_ptr<c10::ivalue::Object> owner;
            size_t slot;
            c10::IValue value;
        };
        std::vector<Buffer> m_buffers;
        std::vector<Plain> m_plain;
    };

    // Each tensor once: a parameter registered in two places would otherwise get its gradient twice.
    std::vector<at::Tensor> trainableParameters(const Module& segment)
    {
        std::vector<at::Tensor> parameters;
        std::unordered_set<const c10::TensorImpl*> seen;
        for (const at::Tensor& parameter : segment.parameters(/*recurse=*/true))
            if (parameter.requires_grad() && seen.insert(parameter.unsafeGetTensorImpl()).second)
                parameters.push_back(parameter);
        return parameters;
    }

    // `kept`: for the recompute of a segment keeping outputs, one per candidate (undefined: not kept).
    c10::IValue runSegment(const Module& segment, const char* method, const std::vector<bool>& present,
        at::TensorList inputs, const std::vector<at::Tensor>& kept = {})
    {
        std::vector<c10::IValue> arguments;
        size_t next = 0;
        for (const bool given : present)
            arguments.push_back(given ? c10::IValue(inputs[next++]) : c10::IValue());
        for (const at::Tensor& tensor : kept)
            arguments.push_back(tensor.defined() ? c10::IValue(tensor) : c10::IValue());
        return segment.get_method(method)(std::move(arguments));
    }

    c10::IValue runOriginal(const Module& segment, const std::vector<bool>& present, at::TensorList inputs)
    {
        return runSegment(segment, checkpointing::originalForward, present, inputs);
    }

    // The kept forward's result: the segment's output, then each candidate's kept output or None.
    struct KeptForward {
        c10::IValue output;
        std::vector<at::Tensor> kept; // the defined ones, in candidate order
        std::vector<int64_t> keptFlags; // per candidate: 1 kept, 0 recomputed
    };

    KeptForward runKeeping(const Module& segment, const std::vector<bool>& present, at::TensorList inputs)
    {
        const c10::IValue result = runSegment(segment, checkpointing::keptForward, present, inputs);
        const auto& elements = result.toTupleRef().elements();
        KeptForward forward { elements[0], {}, {} };
        for (size_t i = 1; i < elements.size(); ++i) {
            forward.keptFlags.push_back(elements[i].isTensor() ? 1 : 0);
            if (elements[i].isTensor())
                forward.kept.push_back(elements[i].toTensor());
        }
        return forward;
    }

    variable_list tensorsOf(const c10::IValue& result, const std::string& path)
    {
        if (result.isTensor())
            return { result.toTensor() };
        TORCH_CHECK(result.isTuple(), "checkpointed segment ", path, " returned ", result.tagKind(),
            "; a segment must return a tensor or a tuple of tensors");
        variable_list tensors;
        for (const c10::IValue& element : result.toTupleRef().elements()) {
            TORCH_CHECK(element.isTensor(), "checkpointed segment ", path, " returned a tuple holding ",
                element.tagKind(), "; a segment must return a tensor or a tuple of tensors");
            tensors.push_back(element.toTensor());
        }
        return tensors;
    }

    struct SegmentCall {
        Module segment;
        std::vector<bool> present; // which of the op's inputs were given (Optional[Tensor] arguments may be None)
    };

    class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
    public:
        // `inputs` and `parameters` are separate TensorLists so that autograd sees every tensor in them as an
        // input of the node (a std::vector would be taken for a non-tensor argument).
        static variable_list forward(
            AutogradContext* ctx, const SegmentCall& call, at::TensorList inputs, at::TensorList parameters)
        {
            const ExecutionState state = ExecutionState::current();
            state.saveTo(ctx);
            ctx->saved_data["segment"] = call.segment._ivalue();
            ctx->saved_data["present"] = std::vector<int64_t>(call.present.begin(), call.present.end());
            ctx->saved_data["inputs"] = static_cast<int64_t>(inputs.size());
            ctx->saved_data["parameters"] = static_cast<int64_t>(parameters.size());
            // Outputs nobody back-propagates through stay undefined instead of becoming zeros to push through.
            ctx->set_materialize_grads(false);
            std::vector<at::Tensor> saved(inputs.begin(), inputs.end());
            saved.insert(saved.end(), parameters.begin(), parameters.end());
            // Function::apply runs this without grad: the segment's activations are freed as it goes, but for
            // the outputs a selective segment keeps.
            if (!keepsOutputs(call.segment)) {
                ctx->save_for_backward(saved);
                return tensorsOf(runOriginal(call.segment, call.present, inputs), segmentPath(call.segment));
            }
            KeptForward forward = runKeeping(call.segment, call.present, inputs);
            ctx->saved_data["kept"] = forward.keptFlags;
            saved.insert(saved.end(), forward.kept.begin(), forward.kept.end());
            ctx->save_for_backward(saved);
            return tensorsOf(forward.output, segmentPath(call.segment));
        }

        static variable_list backward(AutogradContext* ctx, variable_list outputGrads)
        {
            const Module segment(ctx->saved_data["segment"].toObject());
            const std::string path = segmentPath(segment);
            const std::vector<int64_t> presentFlags = ctx->saved_data["present"].toIntVector();
            const std::vector<bool> present(presentFlags.begin(), presentFlags.end());
            const auto inputCount = static_cast<size_t>(ctx->saved_data["inputs"].toInt());
            variable_list saved;
            try {
                saved = ctx->get_saved_variables();
            } catch (const c10::Error& error) {
                TORCH_CHECK(false, "checkpointed segment ", path,
                    " cannot be recomputed: an input or parameter was modified in place after its forward (",
                    error.what_without_backtrace(), ")");
            }
            // Grad mode is on in backward only when the caller asked for a graph of the gradients.
            const bool createGraph = at::GradMode::is_enabled();

            std::vector<at::Tensor> inputs;
            for (size_t i = 0; i < inputCount; ++i) {
                at::Tensor input = saved[i].detach();
                input.requires_grad_(saved[i].requires_grad());
                inputs.push_back(input);
            }
            const auto parameterCount = static_cast<size_t>(ctx->saved_data["parameters"].toInt());
            const std::vector<at::Tensor> parameters(
                saved.begin() + inputCount, saved.begin() + inputCount + parameterCount);
            // A selective segment's kept outputs, one per candidate (undefined where it recomputes).
            std::vector<at::Tensor> kept;
            if (ctx->saved_data.count("kept")) {
                size_t next = inputCount + parameterCount;
                for (const int64_t flag : ctx->saved_data["kept"].toIntVector())
                    kept.push_back(flag ? saved[next++] : at::Tensor());
            }

            const AttributeSnapshot attributes(segment); // restored when backward leaves, after the graph is used
            variable_list outputs;
            {
                const StateScope state(ExecutionState::savedIn(ctx));
                const at::AutoGradMode grad(true);
                const auto start = std::chrono::steady_clock::now();
                outputs = tensorsOf(kept.empty() ? runOriginal(segment, present, inputs)
                                                 : runSegment(segment, checkpointing::recomputeMethod, present, inputs, kept),
                    path);
                g_recomputeNs
                    += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
                           .count();
                ++g_recomputations;
            }
            TORCH_CHECK(outputs.size() == outputGrads.size(), "checkpointed segment ", path, " returned ",
                outputs.size(), " tensors when recomputed but ", outputGrads.size(), " in its forward");

            variable_list roots;
            variable_list rootGrads;
            for (size_t i = 0; i < outputs.size(); ++i) {
                if (outputs[i].requires_grad() && outputGrads[i].defined()) {
                    roots.push_back(outputs[i]);
                    rootGrads.push_back(outputGrads[i]);
                }
            }
            // One gradient per input of forward: the SegmentCall, each input, each parameter.
            variable_list result(1 + inputCount + parameters.size());
            variable_list wrt;
            std::vector<size_t> resultIndex;
            for (size_t i = 0; i < inputCount; ++i) {
                if (inputs[i].requires_grad()) {
                    wrt.push_back(inputs[i]);
                    resultIndex.push_back(1 + i);
                }
            }
            for (size_t i = 0; i < parameters.size(); ++i) {
                wrt.push_back(parameters[i]);
                resultIndex.push_back(1 + inputCount + i);
            }
            if (roots.empty() || wrt.empty())
                return result;
            // Gradients of the parameters are returned, not accumulated here: the engine accumulates them into
            // .grad through the node's edges, as it does for every other op.
            const variable_list grads
                = torch::autograd::grad(roots, wrt, rootGrads, c10::nullopt, createGraph, /*allow_unused=*/true);
            for (size_t i = 0; i < grads.size(); ++i)
                result[resultIndex[i]] = grads[i];
            return result;
        }
    };

    std::vector<at::Tensor> checkpoint(const c10::IValue& self, std::vector<c10::optional<at::Tensor>> given)
    {
        TORCH_CHECK(self.isObject(), "memoscope::checkpoint expects the segment module first, got ", self.tagKind());
        SegmentCall call { Module(self.toObject()), {} };
        const std::string path = segmentPath(call.segment);
        std::vector<at::Tensor> inputs;
        bool inputNeedsGrad = false;
        for (const c10::optional<at::Tensor>& input : given) {
            const bool present = input.has_value() && input->defined();
            call.present.push_back(present);
            if (present) {
                inputs.push_back(*input);
                inputNeedsGrad = inputNeedsGrad || input->requires_grad();
            }
        }
        const std::vector<at::Tensor> parameters = trainableParameters(call.segment);
        // Without a backward to come (inference, no_grad) there is nothing to trade: run the segment as it is.
        if (!at::GradMode::is_enabled() || (!inputNeedsGrad && parameters.empty()))
            return tensorsOf(runOriginal(call.segment, call.present, inputs), path);
        return CheckpointFunction::apply(call, at::TensorList(inputs), at::TensorList(parameters));
    }
}

// A fragment, not TORCH_LIBRARY: a namespace may be defined only once per process, and other parts of
// Memoscope may add ops of their own to "memoscope".
TORCH_LIBRARY_FRAGMENT(memoscope, library)
{
    library.def("checkpoint(Any segment, Tensor?[] inputs) -> Tensor[]", &checkpoint);
}

CheckpointStats checkpointStats() { return CheckpointStats { g_recomputeNs.load(), g_recomputations.load() }; }

void resetCheckpointStats()
{
    g_recomputeNs = 0;
    g_recomputations = 0;
}

} // namespace memoscope
