// Layers: ops whose weights make channels (convolutions, matrix products with a parameter, embeddings,
// recurrent layers) or follow them (norms).

#include "ChannelFlow.h"

#include <ATen/ATen.h>

namespace memoscope::channels {

bool Analysis::layerOp(const TracedOp& op)
{
    const std::string& name = op.name;
    const auto& a = op.arguments;
    if (name == "aten::conv1d" || name == "aten::conv2d" || name == "aten::conv3d" || name == "aten::_convolution"
        || name == "aten::convolution")
        convolution(op);
    else if (name == "aten::linear")
        linear(op, a[0], a[1], a.size() > 2 ? a[2] : c10::IValue());
    else if (name == "aten::matmul" || name == "aten::bmm" || name == "aten::mm")
        product(op, a[0], a[1], c10::IValue());
    else if (name == "aten::baddbmm" || name == "aten::addmm")
        product(op, a[1], a[2], a[0]);
    else if (name == "aten::einsum")
        einsum(op);
    else if (name == "aten::scaled_dot_product_attention")
        attention(op);
    else if (name == "aten::batch_norm" || name == "aten::instance_norm")
        batchNorm(op);
    else if (name == "aten::layer_norm")
        layerNorm(op);
    else if (name == "aten::group_norm")
        groupNorm(op);
    else if (name == "aten::embedding")
        embedding(op);
    else if (name == "aten::lstm")
        recurrent(op, 4);
    else if (name == "aten::gru")
        recurrent(op, 3);
    else if (name == "aten::rnn_tanh" || name == "aten::rnn_relu")
        recurrent(op, 1);
    else
        return false;
    return true;
}

// The rows of a weight (its dimension `dim`) as nodes, wherever the weight is a view of a parameter.
std::optional<at::Tensor> Analysis::rowsOf(const Origin& origin, int64_t dim, int64_t count)
{
    const int64_t source = origin.source[size_t(dim)];
    if (origin.made() || source < 0)
        return std::nullopt;
    const int64_t first = nodesOf(origin.parameter, source, m_parameterSizes.at(origin.parameter)[size_t(source)]);
    return at::arange(count, at::kLong) * origin.step[size_t(dim)] + (first + origin.offset[size_t(dim)]);
}

void Analysis::convolution(const TracedOp& op)
{
    const auto& a = op.arguments;
    const bool plain = op.name.rfind("aten::conv", 0) == 0 && op.name != "aten::convolution";
    const size_t groupsAt = plain ? 6 : 8;
    const bool transposed = !plain && a[6].toBool();
    const int64_t groups = a[groupsAt].toInt();
    const std::optional<Origin> origin = originOf(a[1]);
    const Channels* in = channelsOf(a[0]);
    const at::Tensor& w = a[1].toTensor();
    const std::optional<at::Tensor> rows = origin && !transposed ? rowsOf(*origin, 0, w.size(0)) : std::nullopt;
    if (!rows || origin->source[1] < 0) {
        if (in)
            pin(*in,
                transposed ? "they feed a transposed convolution" : "they feed a convolution with a computed weight");
        return;
    }
    if (in && in->dims != std::vector<int64_t> { 1 }) {
        pin(*in, "they reach a convolution along another dimension");
        in = nullptr;
    }
    const int64_t outputs = w.size(0);
    const int64_t perGroupIn = w.size(1);
    const int64_t perGroupOut = outputs / groups;
    const std::vector<int64_t> inputs
        = in ? in->along(1) : std::vector<int64_t>(size_t(perGroupIn * groups), FixedPosition);
    const int64_t* row = rows->data_ptr<int64_t>();
    if (groups > 1 && perGroupIn == 1) {
        // Depthwise: output channel o reads input channel o / perGroupOut only, so they go together, and the
        // number of groups becomes the number of input channels kept.
        for (int64_t o = 0; o < outputs; ++o)
            tie(inputs[size_t(o / perGroupOut)], row[o]);
        if (in)
            countSizes(groupsAt, -1, positionsAlong(*in, 1), false);
    } else if (groups > 1) {
        // Grouped: the same channels go in every group, so each group keeps the same width.
        for (int64_t g = 1; g < groups; ++g) {
            for (int64_t o = 0; o < perGroupOut; ++o)
                tie(row[o], row[g * perGroupOut + o]);
            for (int64_t j = 0; j < perGroupIn; ++j)
                tie(inputs[size_t(j)], inputs[size_t(g * perGroupIn + j)]);
        }
        followWeight(*origin, 1, std::vector<int64_t>(inputs.begin(), inputs.begin() + perGroupIn));
    } else {
        followWeight(*origin, 1, inputs);
    }
    Channels out { { 1 }, *rows };
    if (a[2].isTensor() && !adopt(a[2], 0, out.along(1)))
        pin(out, "their convolution's bias cannot be cut");
    setChannels(op.results[0], std::move(out));
}

void Analysis::followWeight(const Origin& origin, int64_t dim, const std::vector<int64_t>& nodes)
{
    const int64_t source = origin.source[size_t(dim)];
    follow(origin.parameter, source, m_parameterSizes.at(origin.parameter)[size_t(source)], origin.offset[size_t(dim)],
        origin.step[size_t(dim)], nodes);
}

void Analysis::batchNorm(const TracedOp& op)
{
    const Channels* in = channelsOf(op.arguments[0]);
    if (!in)
        return;
    if (in->dims != std::vector<int64_t> { 1 }) {
        pin(*in, "they reach a " + op.name.substr(6) + " along another dimension");
        return;
    }
    const std::vector<int64_t> nodes = in->along(1);
    for (size_t i = 1; i <= 4; ++i)
        if (op.arguments[i].isTensor() && !adopt(op.arguments[i], 0, nodes))
            pin(*in, "their " + op.name.substr(6) + " has statistics that cannot be cut");
    setChannels(op.results[0], *in);
}

void Analysis::layerNorm(const TracedOp& op)
{
    const auto& a = op.arguments;
    const Channels* in = channelsOf(a[0]);
    if (!in)
        return;
    const int64_t rank = a[0].toTensor().dim();
    const int64_t normalizedDims = int64_t(a[1].toIntVector().size());
    for (int64_t d : in->dims) {
        const int64_t element = d - (rank - normalizedDims);
        if (element < 0)
            continue; // channels outside the normalized dimensions pass through
        const std::vector<int64_t> nodes = representatives(*in, d);
        for (size_t i = 2; i <= 3; ++i)
            if (a[i].isTensor() && !adopt(a[i], element, nodes))
                pin(*in, "their LayerNorm's weights cannot be cut");
        countSizes(1, int(element), positionsAlong(*in, d), false);
    }
    setChannels(op.results[0], *in);
}

void Analysis::groupNorm(const TracedOp& op)
{
    const auto& a = op.arguments;
    const Channels* in = channelsOf(a[0]);
    if (!in)
        return;
    if (in->dims != std::vector<int64_t> { 1 }) {
        pin(*in, "they reach a GroupNorm along another dimension");
        return;
    }
    // Each group is normalized on its own: the same channels go in every group.
    const int64_t groups = a[1].toInt();
    const std::vector<int64_t> nodes = in->along(1);
    const size_t width = nodes.size() / size_t(groups);
    for (size_t g = 1; g < size_t(groups); ++g)
        for (size_t j = 0; j < width; ++j)
            tie(nodes[j], nodes[g * width + j]);
    for (size_t i = 2; i <= 3; ++i)
        if (a[i].isTensor() && !adopt(a[i], 0, nodes))
            pin(*in, "their GroupNorm's weights cannot be cut");
    setChannels(op.results[0], *in);
}

void Analysis::embedding(const TracedOp& op)
{
    const auto& a = op.arguments;
    if (const Channels* indices = channelsOf(a[1]))
        pin(*indices, "they are used as indices");
    const std::optional<Origin> origin = originOf(a[0]);
    const at::Tensor& table = a[0].toTensor();
    const std::optional<at::Tensor> columns = origin ? rowsOf(*origin, 1, table.size(1)) : std::nullopt;
    if (!columns)
        return;
    const at::Tensor& out = op.results[0].toTensor();
    setChannels(op.results[0], Channels { { out.dim() - 1 }, *columns });
}

} // namespace memoscope::channels
