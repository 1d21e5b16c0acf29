// Tensors without channels of their own that pruning can still cut: views of parameters (a class token
// expanded over the batch, the packed projection's thirds, a bias table indexed by position) and tensors the
// model makes from sizes (an LSTM's zero state). Their origin is followed until they meet channels.

#include "ChannelFlow.h"

#include <ATen/ATen.h>

#include <numeric>
#include <set>

namespace memoscope::channels {

namespace {
    Origin dropped(Origin origin, int64_t dim)
    {
        origin.source.erase(origin.source.begin() + dim);
        origin.offset.erase(origin.offset.begin() + dim);
        origin.step.erase(origin.step.begin() + dim);
        return origin;
    }

    Origin inserted(Origin origin, int64_t dim)
    {
        origin.source.insert(origin.source.begin() + dim, -1);
        origin.offset.insert(origin.offset.begin() + dim, 0);
        origin.step.insert(origin.step.begin() + dim, 1);
        return origin;
    }

    Origin permutedOrigin(const Origin& origin, const std::vector<int64_t>& order)
    {
        Origin out = origin;
        for (size_t i = 0; i < order.size(); ++i) {
            out.source[i] = origin.source[size_t(order[i])];
            out.offset[i] = origin.offset[size_t(order[i])];
            out.step[i] = origin.step[size_t(order[i])];
        }
        return out;
    }

    // A view that only adds or removes dimensions of size 1 keeps the others' origins.
    std::optional<Origin> viewedOrigin(const Origin& origin, at::IntArrayRef from, at::IntArrayRef to)
    {
        std::vector<size_t> kept;
        for (size_t i = 0; i < from.size(); ++i)
            if (from[i] != 1)
                kept.push_back(i);
        Origin out;
        out.parameter = origin.parameter;
        out.run = origin.run;
        out.op = origin.op;
        out.argument = origin.argument;
        size_t next = 0;
        for (size_t i = 0; i < to.size(); ++i) {
            if (to[i] == 1) {
                out.source.push_back(-1);
                out.offset.push_back(0);
                out.step.push_back(1);
                continue;
            }
            if (next >= kept.size() || from[kept[next]] != to[i])
                return std::nullopt;
            out.source.push_back(origin.source[kept[next]]);
            out.offset.push_back(origin.offset[kept[next]]);
            out.step.push_back(origin.step[kept[next]]);
            ++next;
        }
        if (next != kept.size())
            return std::nullopt;
        return out;
    }

    const std::set<std::string> sameOrigin = { "aten::contiguous", "aten::clone", "aten::detach", "aten::to",
        "aten::type_as", "aten::float", "aten::alias", "aten::sigmoid", "aten::exp", "aten::clamp", "aten::relu",
        "aten::neg", "aten::abs", "aten::tanh", "aten::log", "aten::sqrt", "aten::mul", "aten::div", "aten::add",
        "aten::sub", "aten::pow" };
    const std::set<std::string> transposes
        = { "aten::permute", "aten::transpose", "aten::t", "aten::movedim", "aten::swapaxes" };
}

bool Analysis::originOp(const TracedOp& op)
{
    const std::string& name = op.name;
    const auto& a = op.arguments;
    const c10::IValue& result = op.results[0];
    if (name.rfind("aten::new_", 0) == 0 || name == "aten::zeros" || name == "aten::ones" || name == "aten::empty"
        || name == "aten::full" || name == "aten::rand" || name == "aten::randn") {
        const size_t argument = name.rfind("aten::new_", 0) == 0 ? 1 : 0;
        if (!a[argument].isIntList() || !result.isTensor())
            return true;
        Origin made;
        made.run = m_run;
        made.op = m_opIndex;
        made.argument = argument;
        for (int64_t d = 0; d < result.toTensor().dim(); ++d) {
            made.source.push_back(d);
            made.offset.push_back(0);
            made.step.push_back(1);
        }
        setOrigin(result, made);
        return true;
    }
    const std::optional<Origin> origin = originOf(a[0]);
    const bool known = sameOrigin.count(name) || transposes.count(name) || name == "aten::unsqueeze"
        || name == "aten::squeeze" || name == "aten::expand" || name == "aten::expand_as" || name == "aten::select"
        || name == "aten::slice" || name == "aten::narrow" || name == "aten::view" || name == "aten::reshape"
        || name == "aten::index";
    if (!origin || !result.isTensor())
        return known;
    const at::Tensor& input = a[0].toTensor();
    const at::Tensor& out = result.toTensor();
    const int64_t rank = input.dim();
    if (sameOrigin.count(name)) {
        // Position by position from the parameter alone (scalars aside): cut with it.
        const bool alone = std::none_of(
            a.begin() + 1, a.end(), [](const c10::IValue& v) { return v.isTensor() && v.toTensor().dim() > 0; });
        if (alone && out.sizes() == input.sizes())
            setOrigin(result, *origin);
    } else if (transposes.count(name)) {
        std::vector<int64_t> order(static_cast<size_t>(rank));
        std::iota(order.begin(), order.end(), 0);
        if (name == "aten::permute")
            for (size_t i = 0; i < order.size(); ++i)
                order[i] = normalized(a[1].toIntVector()[i], rank);
        else if (name == "aten::t" && rank == 2)
            std::swap(order[0], order[1]);
        else if (name == "aten::transpose" || name == "aten::swapaxes")
            std::swap(order[size_t(normalized(a[1].toInt(), rank))], order[size_t(normalized(a[2].toInt(), rank))]);
        else
            return true;
        setOrigin(result, permutedOrigin(*origin, order));
    } else if (name == "aten::select") {
        setOrigin(result, dropped(*origin, normalized(a[1].toInt(), rank)));
    } else if (name == "aten::slice" || name == "aten::narrow") {
        const int64_t dim = normalized(a[1].toInt(), rank);
        int64_t start = a[2].isNone() ? 0 : a[2].toInt();
        start = start < 0 ? start + input.size(dim) : start;
        Origin cut = *origin;
        cut.offset[size_t(dim)] += start * cut.step[size_t(dim)];
        if (name == "aten::slice")
            cut.step[size_t(dim)] *= a[4].toInt();
        setOrigin(result, cut);
    } else {
        reshapeOrigin(op, *origin, input, out);
    }
    return true;
}

void Analysis::reshapeOrigin(const TracedOp& op, const Origin& origin, const at::Tensor& input, const at::Tensor& out)
{
    const std::string& name = op.name;
    if (name == "aten::expand" || name == "aten::expand_as") {
        Origin grown = origin;
        while (int64_t(grown.source.size()) < out.dim())
            grown = inserted(grown, 0);
        const int64_t shift = out.dim() - input.dim();
        for (int64_t d = 0; d < input.dim(); ++d)
            if (input.size(d) != out.size(d + shift))
                grown.source[size_t(d + shift)] = -1; // repeated, not the parameter's own positions
        setOrigin(c10::IValue(out), grown);
    } else if (name == "aten::index") {
        // table[index]: the indexed leading dimension becomes the index's; the others stay the table's.
        const auto indices = op.arguments[1].toListRef();
        if (indices.size() != 1 || !indices[0].isTensor())
            return;
        const int64_t indexRank = indices[0].toTensor().dim();
        Origin looked = dropped(origin, 0);
        for (int64_t i = 0; i < indexRank; ++i)
            looked = inserted(looked, 0);
        setOrigin(c10::IValue(out), looked);
    } else if (const auto viewed = viewedOrigin(origin, input.sizes(), out.sizes())) {
        setOrigin(c10::IValue(out), *viewed); // view, reshape, squeeze, unsqueeze
    }
}

void Analysis::splitOrigin(const TracedOp& op, int64_t dim, const std::vector<at::Tensor>& pieces)
{
    const std::optional<Origin> origin = originOf(op.arguments[0]);
    if (!origin)
        return;
    int64_t start = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
        if (op.name == "aten::unbind") {
            setOrigin(c10::IValue(pieces[i]), dropped(*origin, dim));
            continue;
        }
        Origin part = *origin;
        part.offset[size_t(dim)] += start * part.step[size_t(dim)];
        setOrigin(c10::IValue(pieces[i]), part);
        start += pieces[i].size(dim);
    }
}

} // namespace memoscope::channels
