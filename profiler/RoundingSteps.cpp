#include "RoundingSteps.h"

#include "transform/Int8Weights.h"
#include "transform/ScriptEditing.h"

#include <map>

namespace memoscope {

bool storesWeightsRounded(const QString& technique)
{
    return technique.startsWith(QLatin1String("int8")) || technique == QLatin1String("fp16");
}

RoundedWeights roundedWeightsOf(const torch::jit::Module& student, const std::vector<RoundingStep>& steps, bool perChannel)
{
    // Each weight once, with what the steps do to it in the order applied (true: int8, false: float16).
    RoundedWeights weights;
    std::vector<std::vector<bool>> roundings;
    std::map<c10::TensorImpl*, size_t> indexOf;
    for (const RoundingStep& step : steps) {
        const bool int8 = step.technique != QLatin1String("fp16");
        for (const std::string& layer : step.changedLayers) {
            const std::optional<torch::jit::Module> module
                = layer == "<root>" ? std::optional<torch::jit::Module>(student) : script::findModule(student, layer);
            if (!module)
                continue;
            for (const auto& parameter : module->named_parameters(/*recurse=*/false)) {
                const at::Tensor& weight = parameter.value;
                if (!weight.is_floating_point() || (int8 && weight.dim() < 2)) // int8 keeps biases float
                    continue;
                const auto [entry, added] = indexOf.try_emplace(weight.unsafeGetTensorImpl(), weights.size());
                if (added) {
                    weights.push_back(RoundedWeight { weight, {} });
                    roundings.emplace_back();
                }
                roundings[entry->second].push_back(int8);
            }
        }
    }
    for (size_t i = 0; i < weights.size(); ++i)
        weights[i].round = [steps = roundings[i], perChannel](const at::Tensor& weight) {
            at::Tensor value = weight;
            for (const bool int8 : steps)
                value = int8 ? int8::quantizeWeight(value, perChannel).dequantize().to(weight.scalar_type())
                             : value.to(at::kHalf).to(weight.scalar_type());
            return value;
        };
    return weights;
}

} // namespace memoscope
