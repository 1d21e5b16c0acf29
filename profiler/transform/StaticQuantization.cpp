#include "StaticQuantization.h"

#include "GraphRewrite.h"
#include "Int8Weights.h"
#include "ScriptEditing.h"
#include "profiler/ModuleHierarchy.h"

#include <ATen/record_function.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <mutex>

namespace memoscope {

using namespace torch::jit;

namespace {
    // What calibration saw of one layer's op: its arguments and the ranges of its input and output.
    struct Observation {
        std::string op; // aten::conv2d, aten::_convolution or aten::linear
        std::vector<c10::IValue> arguments; // everything but the input tensor
        double inputMin = 0, inputMax = 0, outputMin = 0, outputMax = 0;
        int calls = 0;
    };

    struct ObservedOp final : at::ObserverContext {
        bool recorded = false; // false for a nested op, or one without a tensor input
        std::string path; // the layer it ran in
    };

    // Calibration runs in one thread; the callbacks only look at top-level ops of the interpreter.
    std::mutex g_observing;
    std::map<std::string, Observation>* g_observations = nullptr;

    bool observed(const char* name)
    {
        return std::strcmp(name, "aten::conv2d") == 0 || std::strcmp(name, "aten::_convolution") == 0
            || std::strcmp(name, "aten::linear") == 0;
    }

    // Only the outermost observed op of a layer counts (aten::conv2d calls aten::_convolution inside).
    thread_local int t_observedDepth = 0;

    // The op's own arguments and results. Ops called by the TorchScript interpreter see its whole stack, with
    // their own values last.
    c10::ArrayRef<const c10::IValue> lastOf(c10::ArrayRef<const c10::IValue> values, size_t count)
    {
        return values.size() < count ? values : values.slice(values.size() - count);
    }
    c10::ArrayRef<const c10::IValue> arguments(const at::RecordFunction& fn)
    {
        const auto schema = fn.operator_schema();
        return schema ? lastOf(fn.inputs(), schema->arguments().size()) : fn.inputs();
    }
    c10::ArrayRef<const c10::IValue> results(const at::RecordFunction& fn)
    {
        const auto schema = fn.operator_schema();
        const c10::ArrayRef<const c10::IValue> outputs(fn.outputs().data(), fn.outputs().size());
        return schema ? lastOf(outputs, schema->returns().size()) : outputs;
    }

    std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& fn)
    {
        if (!observed(fn.name()))
            return nullptr;
        if (t_observedDepth++ > 0)
            return std::make_unique<ObservedOp>(); // ends by lowering the depth, nothing else
        const auto args = arguments(fn);
        if (args.empty() || !args[0].isTensor())
            return std::make_unique<ObservedOp>();
        const std::string path = moduleFromHierarchy(torch::jit::currentModuleHierarchy()).path;
        Observation& seen = (*g_observations)[path];
        const at::Tensor input = args[0].toTensor();
        const double low = input.min().item<double>();
        const double high = input.max().item<double>();
        if (seen.calls++ == 0) {
            seen.op = fn.name();
            seen.arguments.assign(args.begin() + 1, args.end());
            seen.inputMin = low;
            seen.inputMax = high;
        } else {
            seen.inputMin = std::min(seen.inputMin, low);
            seen.inputMax = std::max(seen.inputMax, high);
        }
        auto context = std::make_unique<ObservedOp>();
        context->recorded = true;
        context->path = path;
        return context;
    }

    void onEnd(const at::RecordFunction& fn, at::ObserverContext* context)
    {
        if (!context)
            return;
        --t_observedDepth;
        const auto* op = static_cast<ObservedOp*>(context);
        const auto outputs = results(fn);
        if (!op->recorded || outputs.empty() || !outputs[0].isTensor())
            return;
        Observation& seen = (*g_observations)[op->path];
        const at::Tensor output = outputs[0].toTensor();
        const double low = output.min().item<double>();
        const double high = output.max().item<double>();
        seen.outputMin = seen.calls == 1 ? low : std::min(seen.outputMin, low);
        seen.outputMax = seen.calls == 1 ? high : std::max(seen.outputMax, high);
    }

    std::map<std::string, Observation> calibrate(const Module& root, const StaticCalibration& calibration)
    {
        std::lock_guard<std::mutex> lock(g_observing);
        std::map<std::string, Observation> observations;
        g_observations = &observations;
        // The model itself runs (no methods are edited yet), so the ops see the very weight tensors we check.
        Module copy = root;
        copy.eval();
        const auto handle = at::addThreadLocalCallback(
            at::RecordFunctionCallback(&onStart, &onEnd).needsInputs(true).needsOutputs(true).scopes(
                { at::RecordScope::FUNCTION }));
        try {
            torch::NoGradGuard noGrad;
            for (int batch = 0; batch < calibration.batches; ++batch)
                copy.forward(calibration.makeInputs(batch));
        } catch (...) {
            at::removeCallback(handle);
            g_observations = nullptr;
            throw;
        }
        at::removeCallback(handle);
        g_observations = nullptr;
        return observations;
    }

    // Affine uint8 parameters covering [low, high] and zero (7 bits when the engine wants reduced range).
    std::pair<double, int64_t> activationParameters(double low, double high, bool reduceRange)
    {
        low = std::min(low, 0.0);
        high = std::max(high, 0.0);
        const double levels = reduceRange ? 127.0 : 255.0;
        const double scale = std::max((high - low) / levels, 1e-8);
        const int64_t zeroPoint = std::clamp<int64_t>(int64_t(std::lround(-low / scale)), 0, int64_t(levels));
        return { scale, zeroPoint };
    }

    std::vector<int64_t> ints(const c10::IValue& value) { return value.toIntVector(); }

    // Why a layer cannot be quantized from what calibration saw; empty when it can.
    std::string obstacle(const Module& module, const Observation* seen, const std::vector<std::shared_ptr<Graph>>& graphs)
    {
        if (!seen)
            return "it did not run during calibration";
        if (seen->calls > 0 && seen->op == "aten::_convolution" && seen->arguments.size() > 5
            && seen->arguments[5].isBool() && seen->arguments[5].toBool())
            return "transposed convolutions have no int8 kernel here";
        if (seen->arguments.empty() || !seen->arguments[0].isTensor())
            return "its op does not take its weight directly";
        const at::Tensor weight = module.attr("weight").toTensor();
        if (seen->arguments[0].toTensor().data_ptr() != weight.data_ptr())
            return "its op is not given its own weight";
        if (seen->op != "aten::linear" && weight.dim() != 4)
            return "only 2-D convolutions have an int8 kernel here";
        if (module.type()->hasConstant("padding_mode")
            && module.type()->getConstant("padding_mode").toStringRef() != "zeros")
            return "padding mode '" + module.type()->getConstant("padding_mode").toStringRef()
                + "' has no int8 kernel here";
        // A parent that reads the weight itself (nn.MultiheadAttention's out_proj) would lose it.
        for (Node* read : script::attributeReads(graphs, module.type().get(), "weight")) {
            const auto& inputs = read->owningGraph()->inputs();
            if (read->output()->hasUses() && (inputs.empty() || inputs[0]->type() != module.type()))
                return "its weight is read directly by another module";
        }
        return {};
    }
}

TransformReport quantizeStaticInt8(Module& root, const TransformOptions& options, const StaticCalibration& calibration)
{
    TransformReport report;
    script::uniquifyTypes(root);
    const auto observations = calibrate(root, calibration);
    const auto graphs = script::methodGraphs(root);
    for (auto& [path, module] : script::namedModules(root)) {
        const std::string type = script::className(module);
        if (type != "Conv2d" && type != "Linear")
            continue;
        if (options.isExcluded(path)) {
            report.skip(path, "excluded");
            continue;
        }
        const auto found = observations.find(path);
        const Observation* seen = found == observations.end() ? nullptr : &found->second;
        const std::string reason = obstacle(module, seen, graphs);
        if (!reason.empty()) {
            report.skip(path, reason);
            continue;
        }
        const bool linear = seen->op == "aten::linear";
        const at::Tensor weight = module.attr("weight").toTensor();
        const c10::IValue biasValue = module.attr("bias");
        const c10::optional<at::Tensor> bias
            = biasValue.isTensor() ? c10::optional<at::Tensor>(biasValue.toTensor()) : c10::nullopt;
        const at::Tensor quantized = int8::quantizeWeight(weight, options.perChannel);
        c10::IValue packed;
        if (linear) {
            packed = int8::packLinear(quantized, bias);
        } else {
            // aten::conv2d(input, weight, bias, stride, padding, dilation, groups);
            // aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
            const auto& a = seen->arguments;
            const int64_t groups = seen->op == "aten::conv2d" ? a[5].toInt() : a[7].toInt();
            if (!a[3].isIntList()) {
                report.skip(path, "its padding is given as a string; only explicit padding has an int8 kernel here");
                continue;
            }
            packed = int8::packConv2d(quantized, bias, ints(a[2]), ints(a[3]), ints(a[4]), groups);
        }
        const auto [inScale, inZero] = activationParameters(seen->inputMin, seen->inputMax, options.reduceRange);
        const auto [outScale, outZero] = activationParameters(seen->outputMin, seen->outputMax, options.reduceRange);
        module.register_attribute("_memoscope_int8_packed", packed.type(), packed);
        module.register_attribute("_memoscope_input_scale", c10::FloatType::get(), inScale);
        module.register_attribute("_memoscope_input_zero_point", c10::IntType::get(), inZero);
        module.register_attribute("_memoscope_output_scale", c10::FloatType::get(), outScale);
        module.register_attribute("_memoscope_output_zero_point", c10::IntType::get(), outZero);
        const std::string op = linear ? "ops.quantized.linear" : "ops.quantized.conv2d";
        script::defineMethod(module, "forward",
            "def forward(self, input: Tensor) -> Tensor:\n"
            "    q = torch.quantize_per_tensor(input, self._memoscope_input_scale, self._memoscope_input_zero_point, "
                + std::to_string(int(c10::ScalarType::QUInt8)) + ")\n"
            "    y = "
                + op
                + "(q, self._memoscope_int8_packed, self._memoscope_output_scale, self._memoscope_output_zero_point)\n"
                  "    return y.dequantize()\n");
        // The float weight and bias go, unless another method of the layer still reads them.
        for (const char* name : { "weight", "bias" }) {
            bool read = false;
            for (Node* node : script::attributeReads(script::methodGraphs(module), module.type().get(), name))
                read = read || node->output()->hasUses();
            if (!read && module.hasattr(name))
                script::replaceTensorAttribute(module, name, std::nullopt);
        }
        report.changed.push_back(path);
    }
    if (calibration.randomInputs)
        report.notes.push_back("int8-static was calibrated on random inputs: activation ranges may not match real "
                               "data, so accuracy can suffer; give --calibration DATA");
    return report;
}

} // namespace memoscope
