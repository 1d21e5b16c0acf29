#include "Int8Weights.h"

#include "ScriptEditing.h"

#include <torch/csrc/jit/api/compilation_unit.h>

namespace memoscope::int8 {

namespace {
    // The packing ops return custom-class objects; calling them from TorchScript is the simplest typed way.
    torch::jit::CompilationUnit& helpers()
    {
        static const auto unit = [] {
            auto cu = std::make_shared<torch::jit::CompilationUnit>();
            cu->define(c10::nullopt, R"(
def pack_linear(w: Tensor, b: Optional[Tensor]):
    return ops.quantized.linear_prepack(w, b)

def pack_cell(w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor, reduce_range: bool):
    packed_ih = ops.quantized.linear_prepack(w_ih, b_ih)
    packed_hh = ops.quantized.linear_prepack(w_hh, b_hh)
    return ops.quantized.make_quantized_cell_params_dynamic(packed_ih, packed_hh, b_ih, b_hh, reduce_range)

def pack_conv2d(w: Tensor, b: Optional[Tensor], stride: List[int], padding: List[int], dilation: List[int],
                groups: int):
    return ops.quantized.conv2d_prepack(w, b, stride, padding, dilation, groups)
)",
                script::resolver(), nullptr);
            return cu;
        }();
        return *unit;
    }
}

at::Tensor quantizeWeight(const at::Tensor& weight, bool perChannel)
{
    const at::Tensor w = weight.detach().to(at::kFloat).contiguous();
    if (!perChannel) {
        const double scale = std::max(w.abs().max().item<double>() / 127.0, 1e-12);
        return at::quantize_per_tensor(w, scale, 0, at::kQInt8);
    }
    const at::Tensor rowMax = w.abs().reshape({ w.size(0), -1 }).amax(1);
    const at::Tensor scales = (rowMax / 127.0).clamp_min(1e-12).to(at::kDouble);
    const at::Tensor zeroPoints = at::zeros({ w.size(0) }, at::kLong);
    return at::quantize_per_channel(w, scales, zeroPoints, 0, at::kQInt8);
}

c10::IValue packLinear(const at::Tensor& quantizedWeight, const c10::optional<at::Tensor>& bias)
{
    return helpers().get_function("pack_linear")(
        { quantizedWeight, bias ? c10::IValue(bias->detach().to(at::kFloat)) : c10::IValue() });
}

c10::IValue packRecurrentCell(const at::Tensor& weightIh, const at::Tensor& weightHh, const at::Tensor& biasIh,
    const at::Tensor& biasHh, bool perChannel, bool reduceRange)
{
    return helpers().get_function("pack_cell")({ quantizeWeight(weightIh, perChannel),
        quantizeWeight(weightHh, perChannel), biasIh.detach(), biasHh.detach(), reduceRange });
}

c10::IValue packConv2d(const at::Tensor& quantizedWeight, const c10::optional<at::Tensor>& bias,
    const std::vector<int64_t>& stride, const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation,
    int64_t groups)
{
    return helpers().get_function("pack_conv2d")({ quantizedWeight,
        bias ? c10::IValue(bias->detach().to(at::kFloat)) : c10::IValue(), c10::IValue(stride), c10::IValue(padding),
        c10::IValue(dilation), groups });
}

int64_t quantizedBytes(const at::Tensor& tensor)
{
    int64_t bytes = int64_t(tensor.storage().nbytes());
    if (tensor.is_quantized() && tensor.qscheme() == at::kPerChannelAffine)
        bytes += int64_t(tensor.q_per_channel_scales().nbytes() + tensor.q_per_channel_zero_points().nbytes());
    return bytes;
}

} // namespace memoscope::int8
