#include "Precision.h"

#include "ForwardWrapper.h"
#include "FusedFastPaths.h"
#include "GraphRewrite.h"
#include "ScriptEditing.h"

#include <unordered_map>

namespace memoscope {

using namespace torch::jit;

namespace {
    // Converts the module's own floating-point parameters and buffers; returns the names converted.
    std::vector<std::string> convertTensors(Module& module, c10::ScalarType type)
    {
        std::vector<std::string> converted;
        std::unordered_map<const c10::TensorImpl*, at::Tensor> replaced;
        for (const auto& parameter : module.named_parameters(/*recurse=*/false)) {
            const at::Tensor& value = parameter.value;
            if (!value.is_floating_point() || value.scalar_type() == type)
                continue;
            const at::Tensor lower = value.detach().to(type).requires_grad_(value.requires_grad());
            replaced.emplace(value.unsafeGetTensorImpl(), lower);
            module.register_parameter(parameter.name, lower, /*is_buffer=*/false);
            converted.push_back(parameter.name);
        }
        // Lists that hold the same tensors (an LSTM's _flat_weights) must hold the converted ones.
        for (const auto& attribute : module.named_attributes(/*recurse=*/false)) {
            if (!attribute.value.isTensorList())
                continue;
            c10::List<at::Tensor> list = attribute.value.toTensorList();
            for (size_t i = 0; i < list.size(); ++i) {
                const auto found = replaced.find(list.get(i).unsafeGetTensorImpl());
                if (found != replaced.end())
                    list.set(i, found->second);
            }
        }
        for (const auto& buffer : module.named_buffers(/*recurse=*/false)) {
            if (!buffer.value.is_floating_point() || buffer.value.scalar_type() == type)
                continue;
            module.register_buffer(buffer.name, buffer.value.to(type));
            converted.push_back(buffer.name);
        }
        return converted;
    }

    // The outermost excluded modules: their whole subtree stays float32.
    bool underExcludedParent(const std::string& path, const TransformOptions& options)
    {
        const size_t dot = path.rfind('.');
        return dot != std::string::npos && options.isExcluded(path.substr(0, dot));
    }
}

TransformReport convertToBf16(Module& root, const TransformOptions& options)
{
    TransformReport report;
    script::uniquifyTypes(root);
    for (auto& [path, module] : script::namedModules(root)) {
        if (options.isExcluded(path)) {
            if (!path.empty() && !underExcludedParent(path, options)) {
                script::wrapForwardWithCasts(module, c10::kFloat, c10::kBFloat16);
                report.skip(path, "excluded: kept in float32, casting its inputs and outputs");
            }
            continue;
        }
        if (!convertTensors(module, c10::kBFloat16).empty())
            report.changed.push_back(path.empty() ? "<root>" : path);
    }
    if (!options.isExcluded(""))
        script::wrapForwardWithCasts(root, c10::kBFloat16, c10::kFloat);
    report.notes.push_back("bf16: parameters, buffers and compute in bfloat16; inputs are cast on entry and "
                           "outputs back to float32");
    return report;
}

TransformReport storeInFp16(Module& root, const TransformOptions& options)
{
    TransformReport report;
    script::uniquifyTypes(root);
    const auto graphs = script::methodGraphs(root);
    for (auto& [path, module] : script::namedModules(root)) {
        if (options.isExcluded(path)) {
            if (!underExcludedParent(path, options))
                report.skip(path, "excluded");
            continue;
        }
        const std::string type = script::className(module);
        if (type == "LSTM" || type == "GRU" || type == "RNN") {
            // Their op takes all weights as one list, so there is no single read to convert back to float32.
            report.skip(path, "recurrent weights are read as one list: kept in float32 (bf16 or int8-dynamic "
                              "handle " + type + ")");
            continue;
        }
        const std::vector<std::string> converted = convertTensors(module, c10::kHalf);
        script::StoredWeight stored;
        stored.storedRead = [](Graph&, Value*, Value* read) { return read; };
        stored.convert = [](Graph& graph, Value*, Value* half) { return graph.insert(aten::to, { half, c10::kFloat }); };
        for (const std::string& name : converted)
            script::convertAttributeAtUses(graphs, module.type().get(), name, stored);
        if (!converted.empty())
            report.changed.push_back(path.empty() ? "<root>" : path);
    }
    script::disableFusedFastPaths(graphs);
    report.notes.push_back("fp16: weights are stored in float16 (half their bytes), but computed in float32: this "
                           "LibTorch build has no float16 CPU kernels for matmul, convolution or LayerNorm, so each "
                           "layer converts its weights to float32 when it runs");
    return report;
}

} // namespace memoscope
