// Recurrent layers (aten::lstm, aten::gru, aten::rnn_*): a hidden unit is a row of every gate, in every
// layer and direction, since their hidden state is one tensor of one width.

#include "ChannelFlow.h"

#include <ATen/ATen.h>

namespace memoscope::channels {

void Analysis::recurrent(const TracedOp& op, int gates)
{
    const auto& a = op.arguments;
    // The packed-sequence forms put the batch sizes second; only the padded form is followed.
    const bool padded = gates == 4 ? a[1].isTensorList() : a.size() > 2 && a[2].isTensorList();
    if (a.size() < 9 || !padded) {
        pinArguments(op, "they go through a recurrent layer on packed sequences");
        return;
    }
    const std::vector<at::Tensor> params = a[2].toTensorVector();
    const bool biases = a[3].toBool();
    const int64_t layers = a[4].toInt();
    const int64_t directions = a[7].toBool() ? 2 : 1;
    const size_t perLayer = biases ? 4 : 2;
    std::vector<TensorName> names;
    for (const at::Tensor& param : params)
        if (const TensorName* name = nameOf(c10::IValue(param)))
            names.push_back(*name);
    if (params.size() != size_t(layers * directions) * perLayer || names.size() != params.size()) {
        pinArguments(op, "they go through a recurrent layer with projections or computed weights");
        return;
    }
    const int64_t hidden = params[1].size(1);
    std::vector<int64_t> units(static_cast<size_t>(hidden), FixedPosition); // one node per hidden unit, tied everywhere
    for (size_t block = 0; block < size_t(layers * directions); ++block) {
        const TensorName& weightIn = names[block * perLayer];
        const int64_t first = nodesOf(weightIn, 0, gates * hidden);
        std::vector<int64_t> rows;
        for (int64_t r = 0; r < gates * hidden; ++r) {
            rows.push_back(first + r);
            int64_t& unit = units[size_t(r % hidden)];
            if (unit == FixedPosition)
                unit = first + r;
            tie(unit, first + r);
        }
        follow(names[block * perLayer + 1], 0, gates * hidden, 0, 1, rows); // recurrent weight rows
        for (size_t b = 2; b < perLayer; ++b)
            follow(names[block * perLayer + b], 0, gates * hidden, 0, 1, rows);
        follow(names[block * perLayer + 1], 1, hidden, 0, 1, units); // the previous state it reads
    }
    // What each layer reads: the input's features, then the layer below (both directions in turn).
    std::vector<int64_t> below;
    for (int64_t d = 0; d < directions; ++d)
        below.insert(below.end(), units.begin(), units.end());
    const Channels* input = channelsOf(a[0]);
    const int64_t features = params[0].size(1);
    std::vector<int64_t> inputs(static_cast<size_t>(features), FixedPosition);
    if (input && input->dims == std::vector<int64_t> { a[0].toTensor().dim() - 1 })
        inputs = input->along(input->dims[0]);
    else if (input)
        pin(*input, "they reach a recurrent layer along another dimension");
    for (size_t block = 0; block < size_t(layers * directions); ++block)
        follow(names[block * perLayer], 1, block < size_t(directions) ? features : directions * hidden, 0, 1,
            block < size_t(directions) ? inputs : below);
    // The initial state: given with channels, made by the model (zeros), or given by the caller (stays).
    const std::vector<at::Tensor> states
        = a[1].isTensorList() ? a[1].toTensorVector() : std::vector<at::Tensor> { a[1].toTensor() };
    for (const at::Tensor& state : states) {
        const c10::IValue value(state);
        if (const Channels* c = channelsOf(value); c && c->dims == std::vector<int64_t> { 2 }) {
            const std::vector<int64_t> given = c->along(2);
            for (size_t u = 0; u < units.size(); ++u)
                tie(units[u], given[u]);
        } else if (!adopt(value, 2, units))
            for (int64_t unit : units)
                pin(unit, "the recurrent layer's initial state comes from outside the model");
    }
    const at::Tensor unitNodes = at::tensor(units, at::kLong);
    const at::Tensor& output = op.results[0].toTensor();
    setChannels(op.results[0], Channels { { output.dim() - 1 }, at::tensor(below, at::kLong) });
    for (size_t r = 1; r < op.results.size(); ++r)
        setChannels(op.results[r], Channels { { 2 }, unitNodes });
}

} // namespace memoscope::channels
