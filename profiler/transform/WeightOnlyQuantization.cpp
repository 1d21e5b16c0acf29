#include "WeightOnlyQuantization.h"

#include "FusedFastPaths.h"
#include "GraphRewrite.h"
#include "Int8Weights.h"
#include "ScriptEditing.h"

namespace memoscope {

using namespace torch::jit;

TransformReport storeWeightsInInt8(Module& root, const TransformOptions& options)
{
    TransformReport report;
    script::uniquifyTypes(root);
    const auto graphs = script::methodGraphs(root);
    for (auto& [path, module] : script::namedModules(root)) {
        const std::string layer = path.empty() ? "<root>" : path;
        const std::string type = script::className(module);
        std::vector<std::pair<std::string, at::Tensor>> weights;
        for (const auto& parameter : module.named_parameters(/*recurse=*/false))
            if (parameter.value.is_floating_point() && parameter.value.dim() >= 2)
                weights.emplace_back(parameter.name, parameter.value);
        if (weights.empty())
            continue;
        if (options.isExcluded(path)) {
            report.skip(layer, "excluded");
            continue;
        }
        if (type == "LSTM" || type == "GRU" || type == "RNN") {
            // Their op reads all weights as one list (_flat_weights); int8-dynamic quantizes them properly.
            report.skip(layer, "recurrent weights are read as one list: use int8-dynamic for " + type);
            continue;
        }
        for (const auto& [name, weight] : weights) {
            const at::Tensor quantized = int8::quantizeWeight(weight, options.perChannel);
            script::replaceTensorAttribute(module, name, quantized);
            script::StoredWeight stored;
            stored.storedRead = [](Graph&, Value*, Value* read) { return read; };
            stored.convert = [](Graph& graph, Value*, Value* int8) { return graph.insert(aten::dequantize, { int8 }); };
            script::convertAttributeAtUses(graphs, module.type().get(), name, stored);
        }
        report.changed.push_back(layer);
    }
    script::disableFusedFastPaths(graphs);
    report.notes.push_back("int8-weight-only: weights are stored as int8 with per-channel scales and turned back "
                           "into float32 where they are read; compute stays float32");
    return report;
}

} // namespace memoscope
