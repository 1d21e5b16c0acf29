#include "ChannelMap.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>

namespace memoscope {

namespace {
    int64_t product(at::IntArrayRef sizes, size_t from, size_t to)
    {
        int64_t total = 1;
        for (size_t i = from; i < to && i < sizes.size(); ++i)
            total *= sizes[i];
        return total;
    }

    // The map over every dimension between the first and the last channel dimension, repeating the nodes
    // along the dimensions in between that carry none.
    at::Tensor spanned(const Channels& channels, at::IntArrayRef sizes)
    {
        const int64_t first = channels.dims.front();
        const int64_t last = channels.dims.back();
        std::vector<int64_t> span;
        for (int64_t d = first; d <= last; ++d)
            span.push_back(d);
        std::vector<int64_t> spanSizes(sizes.begin() + first, sizes.begin() + last + 1);
        return replicated(channels, span, spanSizes);
    }

    // The output dimensions [p, q] that hold the input's span, and how much of the dimensions before (alpha)
    // and after (beta) the span merged into it. Exact boundaries are preferred; otherwise the neighbouring
    // dimensions without channels are folded in.
    bool locate(at::IntArrayRef to, int64_t before, int64_t after, size_t* p, size_t* q, int64_t* alpha, int64_t* beta)
    {
        const size_t rank = to.size();
        bool found = false;
        for (size_t i = 0; i <= rank && !found; ++i)
            if (product(to, 0, i) == before) {
                *p = i;
                *alpha = 1;
                found = true;
            }
        if (!found)
            for (size_t i = rank + 1; i-- > 0 && !found;)
                if (before % product(to, 0, i) == 0) {
                    *p = i;
                    *alpha = before / product(to, 0, i);
                    found = true;
                }
        if (!found)
            return false;
        found = false;
        for (size_t i = rank; i-- > *p && !found;)
            if (product(to, i + 1, rank) == after) {
                *q = i;
                *beta = 1;
                found = true;
            }
        if (!found)
            for (size_t i = *p; i < rank && !found; ++i)
                if (after % product(to, i + 1, rank) == 0) {
                    *q = i;
                    *beta = after / product(to, i + 1, rank);
                    found = true;
                }
        return found;
    }
}

bool Channels::carries(int64_t dim) const { return position(dim) >= 0; }

int64_t Channels::position(int64_t dim) const
{
    const auto it = std::find(dims.begin(), dims.end(), dim);
    return it == dims.end() ? -1 : int64_t(it - dims.begin());
}

std::vector<int64_t> Channels::along(int64_t dim) const
{
    at::Tensor line = nodes;
    const int64_t at = position(dim);
    for (int64_t i = int64_t(dims.size()) - 1; i >= 0; --i)
        if (i != at)
            line = line.select(i, 0);
    line = line.contiguous();
    return std::vector<int64_t>(line.data_ptr<int64_t>(), line.data_ptr<int64_t>() + line.numel());
}

Channels permuted(const Channels& channels, const std::vector<int64_t>& order)
{
    Channels out;
    std::vector<int64_t> from; // for each result channel dimension, the position of its input dimension
    for (size_t i = 0; i < order.size(); ++i) {
        const int64_t at = channels.position(order[i]);
        if (at >= 0) {
            out.dims.push_back(int64_t(i));
            from.push_back(at);
        }
    }
    out.nodes = channels.nodes.permute(from).contiguous();
    return out;
}

Channels unsqueezed(const Channels& channels, int64_t dim)
{
    Channels out = channels;
    for (int64_t& d : out.dims)
        if (d >= dim)
            ++d;
    return out;
}

Channels squeezed(const Channels& channels, int64_t dim)
{
    Channels out = channels;
    for (int64_t& d : out.dims)
        if (d > dim)
            --d;
    return out;
}

Channels selected(const Channels& channels, int64_t dim, int64_t index)
{
    const int64_t at = channels.position(dim);
    if (at < 0)
        return squeezed(channels, dim);
    Channels out;
    out.nodes = channels.nodes.select(at, index).contiguous();
    for (int64_t d : channels.dims)
        if (d != dim)
            out.dims.push_back(d > dim ? d - 1 : d);
    if (out.dims.empty()) // a single channel picked out: a tensor without a channel dimension left
        out.nodes = at::Tensor();
    return out;
}

Channels sliced(const Channels& channels, int64_t dim, int64_t start, int64_t end, int64_t step)
{
    const int64_t at = channels.position(dim);
    if (at < 0)
        return channels;
    Channels out = channels;
    out.nodes = channels.nodes.slice(at, start, end, step).contiguous();
    return out;
}

at::Tensor replicated(const Channels& channels, const std::vector<int64_t>& dims, at::IntArrayRef sizes)
{
    at::Tensor nodes = channels.nodes;
    for (size_t i = 0; i < dims.size(); ++i)
        if (!channels.carries(dims[i]))
            nodes = nodes.unsqueeze(int64_t(i));
    return nodes.expand(sizes).contiguous();
}

std::optional<Channels> reshaped(const Channels& channels, at::IntArrayRef from, at::IntArrayRef to, bool* repeated)
{
    const size_t first = size_t(channels.dims.front());
    const size_t last = size_t(channels.dims.back());
    const int64_t before = product(from, 0, first);
    const int64_t span = product(from, first, last + 1);
    const int64_t after = product(from, last + 1, from.size());
    size_t p = 0;
    size_t q = 0;
    int64_t alpha = 1;
    int64_t beta = 1;
    if (!locate(to, before, after, &p, &q, &alpha, &beta) || q < p || product(to, p, q + 1) != alpha * span * beta)
        return std::nullopt;
    at::Tensor nodes = spanned(channels, from).reshape({ 1, span, 1 }).expand({ alpha, span, beta });
    nodes = nodes.reshape(std::vector<int64_t>(to.begin() + int64_t(p), to.begin() + int64_t(q) + 1)).contiguous();
    Channels out;
    for (size_t d = p; d <= q; ++d)
        out.dims.push_back(int64_t(d));
    out.nodes = nodes;
    *repeated = alpha > 1 || beta > 1;
    return tightened(out);
}

Channels tightened(Channels channels)
{
    for (size_t i = channels.dims.size(); i-- > 0;) {
        if (channels.dims.size() == 1)
            break;
        const at::Tensor& nodes = channels.nodes;
        const int64_t size = nodes.size(int64_t(i));
        const bool drop = size == 1 || nodes.eq(nodes.narrow(int64_t(i), 0, 1)).all().item<bool>();
        if (!drop)
            continue;
        channels.nodes = nodes.select(int64_t(i), 0).contiguous();
        channels.dims.erase(channels.dims.begin() + int64_t(i));
    }
    return channels;
}

} // namespace memoscope
