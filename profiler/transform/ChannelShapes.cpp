// Ops that move, combine or reduce tensors without making channels of their own.

#include "ChannelFlow.h"

#include <ATen/ATen.h>

#include <numeric>
#include <set>

namespace memoscope::channels {

namespace {
    const std::set<std::string> shapeQueries = { "aten::size", "aten::dim", "aten::numel", "aten::len",
        "aten::is_floating_point", "aten::item", "aten::Int", "aten::Float", "aten::is_nonzero" };
    const std::set<std::string> factories = { "aten::zeros", "aten::ones", "aten::empty", "aten::full", "aten::rand",
        "aten::randn", "aten::new_zeros", "aten::new_ones", "aten::new_empty", "aten::new_full" };
    // Position by position: the result's channels are the operands' (broadcast from the right).
    const std::set<std::string> elementwise = { "aten::add", "aten::add_", "aten::sub", "aten::sub_", "aten::rsub",
        "aten::mul", "aten::mul_", "aten::div", "aten::div_", "aten::maximum", "aten::minimum", "aten::pow",
        "aten::where", "aten::masked_fill", "aten::masked_fill_", "aten::copy_", "aten::eq", "aten::ne", "aten::lt",
        "aten::le", "aten::gt", "aten::ge", "aten::logical_and", "aten::logical_or", "aten::logical_not", "aten::relu",
        "aten::relu_", "aten::relu6", "aten::hardtanh", "aten::hardtanh_", "aten::silu", "aten::silu_", "aten::sigmoid",
        "aten::sigmoid_", "aten::hardsigmoid", "aten::hardsigmoid_", "aten::hardswish", "aten::hardswish_",
        "aten::gelu", "aten::tanh", "aten::tanh_", "aten::dropout", "aten::dropout_", "aten::feature_dropout",
        "aten::feature_dropout_", "aten::alpha_dropout", "aten::feature_alpha_dropout", "aten::clamp", "aten::clamp_",
        "aten::clamp_min", "aten::clamp_min_", "aten::clamp_max", "aten::leaky_relu", "aten::leaky_relu_", "aten::elu",
        "aten::elu_", "aten::mish", "aten::softplus", "aten::contiguous", "aten::clone", "aten::detach", "aten::abs",
        "aten::neg", "aten::exp", "aten::log", "aten::sqrt", "aten::rsqrt", "aten::reciprocal", "aten::erf",
        "aten::sign", "aten::floor", "aten::ceil", "aten::round", "aten::bernoulli", "aten::bernoulli_", "aten::fill_",
        "aten::zero_", "aten::zeros_like", "aten::ones_like", "aten::empty_like", "aten::rand_like", "aten::randn_like",
        "aten::full_like", "aten::softmax", "aten::log_softmax", "aten::_softmax", "aten::nan_to_num", "aten::float",
        "aten::lerp", "aten::addcmul", "aten::addcdiv", "aten::cos", "aten::sin" };
    // Ops over the last `n` dimensions (pixels) that keep every channel dimension before them.
    const std::map<std::string, int64_t> spatial = { { "aten::max_pool1d", 1 }, { "aten::avg_pool1d", 1 },
        { "aten::adaptive_avg_pool1d", 1 }, { "aten::adaptive_max_pool1d", 1 }, { "aten::max_pool2d", 2 },
        { "aten::avg_pool2d", 2 }, { "aten::adaptive_avg_pool2d", 2 }, { "aten::adaptive_max_pool2d", 2 },
        { "aten::max_pool2d_with_indices", 2 }, { "aten::upsample_nearest2d", 2 }, { "aten::upsample_bilinear2d", 2 },
        { "aten::reflection_pad2d", 2 }, { "aten::replication_pad2d", 2 }, { "aten::max_pool3d", 3 },
        { "aten::avg_pool3d", 3 }, { "aten::adaptive_avg_pool3d", 3 } };
    // The result is the first argument's: other tensors only lend their type or device.
    const std::set<std::string> likeFirst = { "aten::to", "aten::type_as", "aten::alias" };
    const std::set<std::string> reductions = { "aten::mean", "aten::sum", "aten::amax", "aten::amin", "aten::max",
        "aten::min", "aten::std", "aten::var", "aten::norm", "aten::logsumexp", "aten::prod", "aten::argmax" };
    const std::set<std::string> reshapes = { "aten::view", "aten::reshape", "aten::_reshape_alias", "aten::view_as",
        "aten::reshape_as", "aten::flatten", "aten::unflatten" };
    const std::set<std::string> splits = { "aten::chunk", "aten::unsafe_chunk", "aten::split", "aten::unsafe_split",
        "aten::split_with_sizes", "aten::unsafe_split_with_sizes", "aten::unbind" };

    std::vector<int64_t> intsOf(const c10::IValue& value)
    {
        if (value.isIntList())
            return value.toIntVector();
        if (value.isInt())
            return { value.toInt() };
        return {};
    }

    // The permutation a transpose-like op applies: result dimension i is input dimension order[i].
    std::vector<int64_t> orderOf(const TracedOp& op, int64_t rank)
    {
        std::vector<int64_t> order(static_cast<size_t>(rank));
        std::iota(order.begin(), order.end(), 0);
        const auto& a = op.arguments;
        if (op.name == "aten::permute") {
            const auto dims = a[1].toIntVector();
            for (size_t i = 0; i < dims.size(); ++i)
                order[i] = normalized(dims[i], rank);
        } else if (op.name == "aten::t") {
            if (rank == 2)
                std::swap(order[0], order[1]);
        } else if (op.name == "aten::movedim") {
            const int64_t from = normalized(a[1].toInt(), rank);
            const int64_t to = normalized(a[2].toInt(), rank);
            order.erase(order.begin() + from);
            order.insert(order.begin() + to, from);
        } else { // transpose, swapaxes
            std::swap(order[size_t(normalized(a[1].toInt(), rank))], order[size_t(normalized(a[2].toInt(), rank))]);
        }
        return order;
    }
    const std::set<std::string> transposes
        = { "aten::permute", "aten::transpose", "aten::t", "aten::movedim", "aten::swapaxes" };
}

bool Analysis::shapeOp(const TracedOp& op)
{
    const std::string& name = op.name;
    const auto& a = op.arguments;
    if (shapeQueries.count(name))
        return true;
    if (factories.count(name)) {
        originOp(op);
        return true;
    }
    if (name == "aten::cat" || name == "aten::stack" || name == "aten::concat") {
        concatenate(op);
        return true;
    }
    if (a.empty() || !a[0].isTensor())
        return false;
    if (splits.count(name)) {
        const int64_t rank = a[0].toTensor().dim();
        split(op, normalized(name == "aten::unbind" ? (a.size() > 1 ? a[1].toInt() : 0) : a[2].toInt(), rank));
        return true;
    }
    const bool withChannels = std::any_of(a.begin(), a.end(), [&](const c10::IValue& v) { return channelsOf(v); });
    if (elementwise.count(name) && withChannels) {
        combine(op, a, op.results[0]);
        return true;
    }
    const Channels* in = channelsOf(a[0]);
    if (likeFirst.count(name) && in) {
        combine(op, { a[0] }, op.results[0]);
        return true;
    }
    if (!in)
        return originOp(op) || elementwise.count(name) || likeFirst.count(name);
    return movingOp(op, *in);
}

// An op on a tensor with channels that rearranges or reduces it.
bool Analysis::movingOp(const TracedOp& op, const Channels& in)
{
    const std::string& name = op.name;
    const auto& a = op.arguments;
    const at::Tensor& input = a[0].toTensor();
    const c10::IValue& result = op.results[0];
    const int64_t rank = input.dim();
    if (reshapes.count(name)) {
        reshape(op, input, result.toTensor());
    } else if (transposes.count(name)) {
        setChannels(result, permuted(in, orderOf(op, rank)));
    } else if (name == "aten::unsqueeze") {
        setChannels(result, unsqueezed(in, normalized(a[1].toInt(), rank + 1)));
    } else if (name == "aten::squeeze") {
        squeeze(op, in);
    } else if (name == "aten::select") {
        select(op, in, normalized(a[1].toInt(), rank), a[2].toInt());
    } else if (name == "aten::slice" || name == "aten::narrow") {
        slice(op, in);
    } else if (name == "aten::expand" || name == "aten::expand_as" || name == "aten::broadcast_to") {
        expand(op, in);
    } else if (const auto pixels = spatial.find(name); pixels != spatial.end()) {
        if (in.dims.back() < rank - pixels->second)
            setChannels(result, in);
        else
            pin(in, "they go through " + name + " along their channel dimension");
    } else if (name == "aten::constant_pad_nd" || name == "aten::pad" || name == "aten::roll" || name == "aten::flip") {
        padOrRoll(op, in);
    } else if (reductions.count(name)) {
        reduction(op, in);
    } else if (name == "aten::index_select" && !in.carries(normalized(a[1].toInt(), rank))) {
        setChannels(result, in);
    } else if (name == "aten::index") {
        index(op, in);
    } else {
        return false;
    }
    return true;
}

void Analysis::combine(const TracedOp& op, const std::vector<c10::IValue>& arguments, const c10::IValue& result)
{
    if (!result.isTensor())
        return;
    const at::Tensor& out = result.toTensor();
    const int64_t rank = out.dim();
    std::vector<Channels> lined; // the operands' channels, aligned to the result's dimensions
    std::vector<const c10::IValue*> plain;
    std::set<std::vector<int64_t>> layouts;
    for (const c10::IValue& argument : arguments) {
        if (!argument.isTensor())
            continue;
        const at::Tensor& tensor = argument.toTensor();
        const Channels* c = channelsOf(argument);
        if (!c) {
            plain.push_back(&argument);
            continue;
        }
        Channels aligned = *c;
        for (int64_t& d : aligned.dims)
            d += rank - tensor.dim();
        for (size_t i = 0; i < c->dims.size(); ++i)
            if (tensor.size(c->dims[i]) != out.size(aligned.dims[i])) {
                pin(*c, "broadcast along their channel dimension in " + op.name);
                return;
            }
        layouts.insert(aligned.dims);
        lined.push_back(std::move(aligned));
    }
    if (lined.empty())
        return;
    if (layouts.size() > 1) {
        for (const Channels& c : lined)
            pin(c, "combined with channels laid out differently in " + op.name);
        return;
    }
    Channels merged { lined.front().dims, lined.front().nodes.clone() };
    for (size_t i = 1; i < lined.size(); ++i)
        tieEach(merged.nodes, lined[i].nodes);
    for (const c10::IValue* operand : plain)
        if (!lineUp(*operand, merged, rank)) {
            pin(merged, "combined element by element with a tensor that is not pruned (" + op.name + ")");
            break;
        }
    setChannels(result, std::move(merged));
}

void Analysis::tieEach(const at::Tensor& a, const at::Tensor& b)
{
    const at::Tensor x = a.flatten().contiguous();
    const at::Tensor y = b.flatten().contiguous();
    const int64_t* xs = x.data_ptr<int64_t>();
    const int64_t* ys = y.data_ptr<int64_t>();
    for (int64_t i = 0; i < x.numel(); ++i)
        tie(xs[i], ys[i]);
}

// A tensor without channels that meets `channels` position by position (in a result of rank `rank`): it must
// either be broadcast along them, or be cut with them (a parameter, a tensor the model makes).
bool Analysis::lineUp(const c10::IValue& operand, const Channels& channels, int64_t rank)
{
    const at::Tensor& tensor = operand.toTensor();
    for (int64_t d : channels.dims) {
        const int64_t own = d - (rank - tensor.dim());
        if (own < 0 || tensor.size(own) == 1)
            continue;
        if (!adopt(operand, own, representatives(channels, d)))
            return false;
    }
    return true;
}

void Analysis::concatenate(const TracedOp& op)
{
    const std::vector<at::Tensor> parts = op.arguments[0].toTensorVector();
    const at::Tensor& out = op.results[0].toTensor();
    const bool stack = op.name == "aten::stack";
    const int64_t dim = normalized(op.arguments.size() > 1 ? op.arguments[1].toInt() : 0, out.dim());
    std::vector<std::optional<Channels>> lined;
    std::set<std::vector<int64_t>> layouts;
    for (const at::Tensor& part : parts) {
        const Channels* c = channelsOf(c10::IValue(part));
        if (c)
            layouts.insert(lined.emplace_back(stack ? unsqueezed(*c, dim) : *c)->dims);
        else
            lined.emplace_back();
    }
    if (layouts.empty())
        return;
    const std::vector<int64_t> dims = *layouts.begin();
    const bool alongChannels = std::find(dims.begin(), dims.end(), dim) != dims.end();
    if (layouts.size() > 1 || (alongChannels && (stack || dims.size() > 1))) {
        for (const auto& c : lined)
            if (c)
                pin(*c, "concatenated with channels laid out differently");
        return;
    }
    if (alongChannels) {
        // DenseNet, Inception: the result holds each part's channels in turn.
        std::vector<at::Tensor> pieces;
        for (size_t i = 0; i < parts.size(); ++i)
            pieces.push_back(lined[i] ? lined[i]->nodes : at::full({ parts[i].size(dim) }, FixedPosition, at::kLong));
        setChannels(op.results[0], Channels { dims, at::cat(pieces) });
        return;
    }
    // Along another dimension (a class token before the patches): the parts' channels line up.
    Channels merged;
    for (const auto& c : lined)
        if (c && merged.empty())
            merged = Channels { c->dims, c->nodes.clone() };
        else if (c)
            tieEach(merged.nodes, c->nodes);
    for (size_t i = 0; i < parts.size(); ++i) {
        if (lined[i])
            continue;
        Channels own = merged;
        if (stack)
            own = squeezed(merged, dim);
        if (!lineUp(c10::IValue(parts[i]), own, parts[i].dim())) {
            pin(merged, "concatenated with a tensor that is not pruned");
            return;
        }
    }
    setChannels(op.results[0], std::move(merged));
}

void Analysis::split(const TracedOp& op, int64_t dim)
{
    const c10::IValue& input = op.arguments[0];
    const std::vector<at::Tensor> pieces = op.results[0].toTensorVector();
    const bool unbind = op.name == "aten::unbind";
    const Channels* c = channelsOf(input);
    if (!c) {
        splitOrigin(op, dim, pieces);
        return;
    }
    if (!c->carries(dim)) {
        for (size_t i = 0; i < pieces.size(); ++i)
            setChannels(c10::IValue(pieces[i]), unbind ? selected(*c, dim, int64_t(i)) : *c);
        return;
    }
    const Positions positions = positionsAlong(*c, dim);
    std::vector<Positions> parts;
    int64_t start = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
        if (unbind) {
            keepPicked(positions[i], "one of them is taken apart from the others (unbind)");
            setChannels(c10::IValue(pieces[i]), selected(*c, dim, int64_t(i)));
            continue;
        }
        const int64_t length = pieces[i].size(dim);
        parts.emplace_back(positions.begin() + start, positions.begin() + start + length);
        setChannels(c10::IValue(pieces[i]), sliced(*c, dim, start, start + length));
        start += length;
    }
    if (op.name.find("split_with_sizes") != std::string::npos)
        for (size_t i = 0; i < parts.size(); ++i)
            countSizes(1, int(i), parts[i], false);
    else if (!unbind)
        countParts(dim, parts);
}

void Analysis::keepPicked(const std::vector<int64_t>& position, const std::string& reason)
{
    std::set<int64_t> roots;
    for (int64_t node : position)
        if (node >= 0)
            roots.insert(find(node));
    if (roots.size() == 1)
        pin(*roots.begin(), reason);
}

void Analysis::reshape(const TracedOp& op, const at::Tensor& input, const at::Tensor& result)
{
    const Channels& in = *channelsOf(c10::IValue(input));
    bool repeated = false;
    std::optional<Channels> out = reshaped(in, input.sizes(), result.sizes(), &repeated);
    if (!out) {
        pin(in, "reshaped across their channel dimension (" + op.name + ")");
        return;
    }
    // Channels split over several dimensions (heads and their features; groups of a shuffle) are kept as a
    // grid: one of those dimensions is pruned, the others stay whole. Features last (q.view(B, T, H, D)): the
    // heads go, each head's features stay. Channels before pixels (x.view(B, G, C / G, H, W)): the same
    // channels go in every group.
    if (out->dims.size() > 1) {
        const bool featuresLast = out->dims.back() == result.dim() - 1;
        tieAcross(*out, out->dims[out->dims.size() - (featuresLast ? 2 : 1)]);
    }
    const auto& a = op.arguments;
    const bool view = op.name == "aten::view" || op.name == "aten::reshape";
    const int64_t first = op.name == "aten::unflatten" ? normalized(a[1].toInt(), input.dim()) : 0;
    const std::vector<int64_t> sizes = view ? a[1].toIntVector()
        : op.name == "aten::unflatten"      ? a[2].toIntVector()
                                            : std::vector<int64_t> {};
    for (int64_t d : out->dims) {
        const int64_t element = d - first;
        if (element >= 0 && element < int64_t(sizes.size()) && sizes[size_t(element)] != -1)
            countSizes(view ? 1 : 2, int(element), positionsAlong(*out, d), repeated);
    }
    setChannels(result, std::move(*out));
}

} // namespace memoscope::channels
