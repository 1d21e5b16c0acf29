#include "GraphRewrite.h"
#include "Pruning.h"
#include "ScriptEditing.h"

#include <torch/torch.h>

namespace memoscope {

using namespace torch::jit;

namespace {
    // The weights magnitude pruning applies to: those of convolutions and Linear layers.
    std::vector<std::pair<std::string, Module>> prunableLayers(const Module& root, const TransformOptions& options,
        TransformReport& report)
    {
        std::vector<std::pair<std::string, Module>> layers;
        for (const auto& [path, module] : script::namedModules(root)) {
            const std::string type = script::className(module);
            if (type != "Conv1d" && type != "Conv2d" && type != "Conv3d" && type != "Linear")
                continue;
            if (!module.hasattr("weight") || !module.attr("weight").isTensor())
                continue;
            if (options.isExcluded(path)) {
                report.skip(path, "excluded");
                continue;
            }
            layers.emplace_back(path, module);
        }
        return layers;
    }

    // The magnitude below which `ratio` of these values lie.
    double threshold(const at::Tensor& magnitudes, double ratio)
    {
        const int64_t count = int64_t(double(magnitudes.numel()) * ratio);
        if (count <= 0)
            return -1;
        return std::get<0>(magnitudes.flatten().kthvalue(count)).item<double>();
    }
}

TransformReport pruneUnstructured(Module& root, const PruningSettings& settings, const TransformOptions& options)
{
    TransformReport report;
    auto layers = prunableLayers(root, options, report);
    double globalThreshold = -1;
    if (settings.global) {
        std::vector<at::Tensor> all;
        for (auto& [path, module] : layers)
            all.push_back(module.attr("weight").toTensor().detach().abs().flatten());
        if (!all.empty())
            globalThreshold = threshold(torch::cat(all), settings.ratio);
    }
    int64_t zeros = 0;
    int64_t total = 0;
    for (auto& [path, module] : layers) {
        at::Tensor weight = module.attr("weight").toTensor();
        const at::Tensor magnitude = weight.detach().abs();
        const double cut = settings.global ? globalThreshold : threshold(magnitude, settings.ratio);
        if (cut < 0)
            continue;
        {
            torch::NoGradGuard noGrad;
            weight.masked_fill_(magnitude <= cut, 0.0);
        }
        zeros += (weight == 0).sum().item<int64_t>();
        total += weight.numel();
        report.changed.push_back(path);
    }
    report.notes.push_back(
        "unstructured pruning: " + std::to_string(total ? (100 * zeros / total) : 0)
        + " % of the pruned layers' weights are now zero, but dense tensors keep every zero: parameter bytes and "
          "memory do not drop. --sparse stores them as a mask and the non-zero values");
    return report;
}

TransformReport storeSparse(Module& root)
{
    TransformReport report;
    script::uniquifyTypes(root);
    const auto graphs = script::methodGraphs(root);
    for (auto& [path, module] : script::namedModules(root)) {
        if (!module.hasattr("weight") || !module.attr("weight").isTensor())
            continue;
        const at::Tensor weight = module.attr("weight").toTensor().detach();
        if (!weight.is_floating_point() || weight.dim() < 2)
            continue;
        const at::Tensor mask = weight != 0;
        // A mask costs a byte per weight, so it only pays when more than a quarter of the weights are zero.
        if (mask.sum().item<int64_t>() * weight.element_size() + mask.numel() >= weight.numel() * weight.element_size())
            continue;
        script::replaceTensorAttribute(module, "weight", std::nullopt);
        module.register_attribute("weight_mask", c10::TensorType::get(), mask);
        module.register_attribute("weight_values", c10::TensorType::get(), weight.masked_select(mask).contiguous());
        // Reads of the weight get the mask (same shape and device) and are densified where values are used.
        script::StoredWeight stored;
        stored.storedRead = [](Graph& graph, Value* owner, Value*) { return graph.insertGetAttr(owner, "weight_mask"); };
        stored.convert = [](Graph& graph, Value* owner, Value* mask) {
            Value* zeros = graph.insert(aten::zeros_like, { mask }, { NamedValue("dtype", c10::kFloat) });
            return graph.insert(aten::masked_scatter, { zeros, mask, graph.insertGetAttr(owner, "weight_values") });
        };
        script::convertAttributeAtUses(graphs, module.type().get(), "weight", stored);
        report.changed.push_back(path.empty() ? "<root>" : path);
    }
    return report;
}

} // namespace memoscope
