// Ops that pick, cut, pad or reduce a tensor with channels.

#include "ChannelFlow.h"

#include <ATen/ATen.h>

#include <set>

namespace memoscope::channels {

void Analysis::squeeze(const TracedOp& op, const Channels& in)
{
    const at::Tensor& input = op.arguments[0].toTensor();
    std::vector<int64_t> dims;
    if (op.arguments.size() > 1 && op.arguments[1].isInt())
        dims.push_back(normalized(op.arguments[1].toInt(), input.dim()));
    else
        for (int64_t d = 0; d < input.dim(); ++d)
            dims.push_back(d);
    Channels out = in;
    for (size_t i = dims.size(); i-- > 0;) {
        if (input.size(dims[i]) != 1)
            continue;
        if (out.carries(dims[i])) {
            pin(in, "their only channel is squeezed away");
            return;
        }
        out = squeezed(out, dims[i]);
    }
    setChannels(op.results[0], std::move(out));
}

void Analysis::select(const TracedOp& op, const Channels& in, int64_t dim, int64_t index)
{
    const c10::IValue& result = op.results[0];
    if (!in.carries(dim)) {
        setChannels(result, selected(in, dim, index));
        return;
    }
    const Positions positions = positionsAlong(in, dim);
    if (index < 0) {
        pin(in, "one of them is picked out by an index from the end");
        return;
    }
    keepPicked(positions[size_t(index)], "one of them is picked out by index");
    if (index > 0) // the index counts the positions before it
        countSizes(2, -1, Positions(positions.begin(), positions.begin() + index), false);
    setChannels(result, selected(in, dim, index));
}

void Analysis::slice(const TracedOp& op, const Channels& in)
{
    const auto& a = op.arguments;
    const at::Tensor& input = a[0].toTensor();
    const int64_t dim = normalized(a[1].toInt(), input.dim());
    const c10::IValue& result = op.results[0];
    if (!in.carries(dim)) {
        setChannels(result, in);
        return;
    }
    const int64_t size = input.size(dim);
    const auto bound = [&](const c10::IValue& value, int64_t none) {
        int64_t v = value.isNone() ? none : value.toInt();
        v = v < 0 ? v + size : v;
        return std::clamp<int64_t>(v, 0, size);
    };
    const bool narrow = op.name == "aten::narrow";
    const int64_t start = bound(a[2], 0);
    const int64_t end = narrow ? std::min(size, start + a[3].toInt()) : bound(a[3], size);
    const int64_t step = narrow ? 1 : a[4].toInt();
    if (step != 1) {
        pin(in, "every " + std::to_string(step) + "th of them is taken");
        return;
    }
    const Positions positions = positionsAlong(in, dim);
    if (start > 0)
        countSizes(2, -1, Positions(positions.begin(), positions.begin() + start), false);
    if (narrow)
        countSizes(3, -1, Positions(positions.begin() + start, positions.begin() + end), false);
    else if (end < size && !a[3].isNone())
        countSizes(3, -1, Positions(positions.begin(), positions.begin() + end), false);
    setChannels(result, sliced(in, dim, start, end));
}

void Analysis::expand(const TracedOp& op, const Channels& in)
{
    const at::Tensor& input = op.arguments[0].toTensor();
    const at::Tensor& out = op.results[0].toTensor();
    const int64_t shift = out.dim() - input.dim();
    Channels grown = in;
    std::vector<int64_t> sizes;
    for (int64_t& d : grown.dims) {
        d += shift;
        sizes.push_back(out.size(d));
    }
    grown.nodes = in.nodes.expand(sizes).contiguous();
    if (op.name == "aten::expand") {
        const auto wanted = op.arguments[1].toIntVector();
        for (int64_t d : grown.dims)
            if (wanted[size_t(d)] != -1)
                countSizes(1, int(d), positionsAlong(grown, d), false);
    }
    setChannels(op.results[0], std::move(grown));
}

void Analysis::padOrRoll(const TracedOp& op, const Channels& in)
{
    const auto& a = op.arguments;
    const int64_t rank = a[0].toTensor().dim();
    const c10::IValue& result = op.results[0];
    if (op.name == "aten::flip") {
        Channels out = in;
        for (int64_t dim : a[1].toIntVector())
            if (const int64_t at = in.position(normalized(dim, rank)); at >= 0)
                out.nodes = out.nodes.flip({ at }).contiguous();
        setChannels(result, std::move(out));
        return;
    }
    if (op.name == "aten::roll") {
        const auto dims = a[2].toIntVector();
        bool touches = dims.empty();
        for (int64_t dim : dims)
            touches = touches || in.carries(normalized(dim, rank));
        if (touches)
            pin(in, "rolled along their channel dimension");
        else
            setChannels(result, in);
        return;
    }
    // constant_pad_nd, pad: pairs of (before, after) from the last dimension backwards
    const auto pads = a[1].toIntVector();
    for (int64_t d : in.dims) {
        const size_t pair = size_t(rank - 1 - d) * 2;
        if (pair + 1 < pads.size() && (pads[pair] != 0 || pads[pair + 1] != 0)) {
            pin(in, "padded along their channel dimension");
            return;
        }
    }
    setChannels(result, in);
}

void Analysis::reduction(const TracedOp& op, const Channels& in)
{
    const auto& a = op.arguments;
    const int64_t rank = a[0].toTensor().dim();
    std::vector<int64_t> dims;
    bool keepdim = false;
    size_t at = 1;
    if (op.name == "aten::norm")
        at = 2; // after p
    if (op.name == "aten::max" || op.name == "aten::min") {
        if (a.size() > 1 && a[1].isTensor()) { // elementwise maximum of two tensors
            combine(op, a, op.results[0]);
            return;
        }
    }
    if (at < a.size() && (a[at].isIntList() || a[at].isInt())) {
        for (int64_t d : a[at].isInt() ? std::vector<int64_t> { a[at].toInt() } : a[at].toIntVector())
            dims.push_back(normalized(d, rank));
        for (size_t i = at + 1; i < a.size(); ++i)
            if (a[i].isBool()) {
                keepdim = a[i].toBool();
                break;
            }
    }
    if (dims.empty())
        for (int64_t d = 0; d < rank; ++d)
            dims.push_back(d);
    Channels out = reduce(in, dims);
    if (out.empty())
        return;
    if (!keepdim)
        for (int64_t& d : out.dims)
            d -= std::count_if(dims.begin(), dims.end(), [&](int64_t r) { return r < d; });
    for (const c10::IValue& result : op.results)
        setChannels(result, out);
}

// x[index] with advanced indexing along dimensions without channels.
void Analysis::index(const TracedOp& op, const Channels& in)
{
    const auto indices = op.arguments[1].toListRef();
    std::vector<int64_t> indexed;
    int64_t indexRank = 0;
    for (size_t i = 0; i < indices.size(); ++i)
        if (indices[i].isTensor()) {
            indexed.push_back(int64_t(i));
            indexRank = std::max<int64_t>(indexRank, indices[i].toTensor().dim());
        }
    const bool adjacent = !indexed.empty() && indexed.back() - indexed.front() + 1 == int64_t(indexed.size());
    Channels out = in;
    for (int64_t& d : out.dims) {
        if (std::find(indexed.begin(), indexed.end(), d) != indexed.end() || !adjacent) {
            pin(in, "indexed along their channel dimension");
            return;
        }
        if (d > indexed.back())
            d += indexRank - int64_t(indexed.size());
    }
    setChannels(op.results[0], std::move(out));
}

} // namespace memoscope::channels
