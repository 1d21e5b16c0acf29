// Products of tensors (linear layers, matmul, einsum, attention), read as einsum: each dimension is a letter,
// letters both operands have are lined up position by position, letters missing from the result are summed.

#include "ChannelFlow.h"

#include <ATen/ATen.h>

#include <numeric>
#include <set>

namespace memoscope::channels {

namespace {
    std::string lettersFor(size_t count, char first)
    {
        std::string letters;
        for (size_t i = 0; i < count; ++i)
            letters.push_back(char(first + i));
        return letters;
    }

    // Puts `letters` first in a node map whose dimensions are `own`, and flattens: one row per assignment of them.
    at::Tensor rowsBy(const at::Tensor& nodes, const std::string& own, const std::string& letters)
    {
        std::vector<int64_t> order;
        for (char c : letters)
            order.push_back(int64_t(own.find(c)));
        int64_t leading = 1;
        for (int64_t d : order)
            leading *= nodes.size(d);
        for (size_t d = 0; d < own.size(); ++d)
            if (letters.find(own[d]) == std::string::npos)
                order.push_back(int64_t(d));
        return nodes.permute(order).reshape({ leading, -1 });
    }
}

std::string Analysis::channelLetters(const ProductSide& side) const
{
    std::string letters;
    if (side.channels)
        for (int64_t d : side.channels->dims)
            letters.push_back(side.letters[size_t(d)]);
    return letters;
}

std::optional<Channels> Analysis::contract(
    const ProductSide& a, const ProductSide& b, const std::string& out, at::IntArrayRef outSizes)
{
    const ProductSide* sides[2] = { &a, &b };
    std::string shared;
    for (int s = 0; s < 2; ++s) {
        const ProductSide& self = *sides[s];
        const ProductSide& other = *sides[1 - s];
        const std::string own = channelLetters(self);
        const std::string theirs = channelLetters(other);
        for (size_t i = 0; i < own.size(); ++i) {
            const size_t at = other.letters.find(own[i]);
            if (at == std::string::npos || theirs.find(own[i]) != std::string::npos) {
                if (at != std::string::npos && s == 0)
                    shared.push_back(own[i]);
                continue;
            }
            if (other.sizes[at] == 1)
                continue; // broadcast
            if (!other.value
                || !adopt(*other.value, int64_t(at), representatives(*self.channels, self.channels->dims[i]))) {
                pin(*self.channels, "multiplied with a tensor that is not pruned");
                return std::nullopt;
            }
        }
    }
    if (!shared.empty()) {
        // Lined up position by position: queries and keys of a head, its attention and its values.
        const at::Tensor rowsA = rowsBy(a.channels->nodes, channelLetters(a), shared);
        const at::Tensor rowsB = rowsBy(b.channels->nodes, channelLetters(b), shared);
        for (int64_t i = 0; i < rowsA.size(0); ++i)
            tieAll(at::cat({ rowsA[i], rowsB[i] }));
    }
    return productResult(a, b, out, outSizes);
}

// The result's channels: those of one operand (summed letters tied), or the rows of a parameter operand.
std::optional<Channels> Analysis::productResult(
    const ProductSide& a, const ProductSide& b, const std::string& out, at::IntArrayRef outSizes)
{
    const ProductSide* sides[2] = { &a, &b };
    const std::string lettersA = channelLetters(a);
    const std::string lettersB = channelLetters(b);
    std::string onlyA, onlyB, both;
    for (char c : out) {
        const bool inA = lettersA.find(c) != std::string::npos;
        const bool inB = lettersB.find(c) != std::string::npos;
        if (inA && inB)
            both.push_back(c);
        else if (inA)
            onlyA.push_back(c);
        else if (inB)
            onlyB.push_back(c);
    }
    // A parameter's own letter in the result (x @ W): its rows are new channels.
    for (int s = 0; s < 2; ++s) {
        const ProductSide& param = *sides[s];
        const ProductSide& other = *sides[1 - s];
        const std::optional<Origin> origin = param.channels || !param.value ? std::nullopt : originOf(*param.value);
        if (!origin || origin->made())
            continue;
        for (size_t d = 0; d < param.letters.size(); ++d) {
            const char c = param.letters[d];
            const size_t at = out.find(c);
            if (at == std::string::npos || other.letters.find(c) != std::string::npos || origin->source[d] < 0)
                continue;
            if (!onlyA.empty() || !onlyB.empty() || !both.empty()) {
                pin(*other.channels, "multiplied into a grid with a parameter's rows");
                return std::nullopt;
            }
            const std::optional<at::Tensor> rows = rowsOf(*origin, int64_t(d), param.sizes[d]);
            return rows ? std::optional<Channels>(Channels { { int64_t(at) }, *rows }) : std::nullopt;
        }
    }
    if (!onlyA.empty() && !onlyB.empty()) {
        pin(*a.channels, "multiplied into a grid with other channels");
        pin(*b.channels, "multiplied into a grid with other channels");
        return std::nullopt;
    }
    const bool fromB = !onlyB.empty();
    std::string letters;
    for (char c : out)
        if ((fromB ? lettersB : lettersA).find(c) != std::string::npos)
            letters.push_back(c);
    const ProductSide& carrier = fromB ? b : a;
    if (letters.empty())
        return std::nullopt;
    const at::Tensor rows = rowsBy(carrier.channels->nodes, channelLetters(carrier), letters);
    at::Tensor nodes = at::empty({ rows.size(0) }, at::kLong);
    for (int64_t i = 0; i < rows.size(0); ++i)
        nodes[i] = tieAll(rows[i]); // summed over the other channel letters: each result position is one unit
    std::vector<int64_t> sizes;
    Channels result;
    for (char c : letters) {
        result.dims.push_back(int64_t(out.find(c)));
        sizes.push_back(outSizes[out.find(c)]);
    }
    nodes = nodes.reshape(sizes);
    // back to the result's order of dimensions
    std::vector<size_t> order(letters.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return result.dims[x] < result.dims[y]; });
    std::vector<int64_t> permutation(order.begin(), order.end());
    result.nodes = nodes.permute(permutation).contiguous();
    std::sort(result.dims.begin(), result.dims.end());
    return result;
}

Analysis::ProductSide Analysis::sideOf(const c10::IValue& value, const std::string& letters)
{
    const at::Tensor& tensor = value.toTensor();
    return ProductSide { &value, channelsOf(value), tensor.sizes().vec(), letters };
}

void Analysis::linear(const TracedOp& op, const c10::IValue& input, const c10::IValue& weight, const c10::IValue& bias)
{
    const int64_t rank = input.toTensor().dim();
    const std::string batch = lettersFor(size_t(rank - 1), 'a');
    const c10::IValue& result = op.results[0];
    if (weight.toTensor().dim() != 2) {
        pinArguments(op, "they feed a linear layer with a weight of another shape");
        return;
    }
    if (auto out = contract(sideOf(input, batch + "K"), sideOf(weight, "NK"), batch + "N", result.toTensor().sizes()))
        setChannels(result, std::move(*out));
    if (bias.isTensor())
        combine(op, { result, bias }, result);
}

void Analysis::product(const TracedOp& op, const c10::IValue& x, const c10::IValue& y, const c10::IValue& addend)
{
    const int64_t rankX = x.toTensor().dim();
    const int64_t rankY = y.toTensor().dim();
    const c10::IValue& result = op.results[0];
    if (rankX < 2 || rankY < 2) {
        pinArguments(op, "they go through a product with a vector");
        return;
    }
    const int64_t rank = std::max(rankX, rankY);
    const std::string batch = lettersFor(size_t(rank - 2), 'a');
    const std::string letterX = batch.substr(size_t(rank - rankX)) + "NK";
    const std::string letterY = batch.substr(size_t(rank - rankY)) + "KM";
    if (auto out = contract(sideOf(x, letterX), sideOf(y, letterY), batch + "NM", result.toTensor().sizes()))
        setChannels(result, std::move(*out));
    if (addend.isTensor())
        combine(op, { addend, result }, result);
}

void Analysis::einsum(const TracedOp& op)
{
    std::string equation;
    for (char c : op.arguments[0].toStringRef())
        if (c != ' ')
            equation.push_back(c);
    const std::vector<at::Tensor> operands = op.arguments[1].toTensorVector();
    const size_t arrow = equation.find("->");
    const size_t comma = equation.find(',');
    if (operands.size() != 2 || arrow == std::string::npos || comma == std::string::npos
        || equation.find("...") != std::string::npos) {
        pinArguments(op, "they go through an einsum Memoscope cannot follow");
        return;
    }
    const c10::IValue x(operands[0]);
    const c10::IValue y(operands[1]);
    const c10::IValue& result = op.results[0];
    if (auto out
        = contract(sideOf(x, equation.substr(0, comma)), sideOf(y, equation.substr(comma + 1, arrow - comma - 1)),
            equation.substr(arrow + 2), result.toTensor().sizes()))
        setChannels(result, std::move(*out));
}

// PyTorch 2's fused attention: softmax(q k^T) v, as two products.
void Analysis::attention(const TracedOp& op)
{
    const auto& a = op.arguments;
    const int64_t rank = a[0].toTensor().dim();
    if (a.size() > 3 && channelsOf(a[3]))
        pin(*channelsOf(a[3]), "they are used as an attention mask");
    const std::string batch = lettersFor(size_t(rank - 2), 'a');
    std::vector<int64_t> scoreSizes = a[0].toTensor().sizes().vec();
    scoreSizes.back() = a[1].toTensor().size(rank - 2);
    const std::optional<Channels> scores
        = contract(sideOf(a[0], batch + "LE"), sideOf(a[1], batch + "SE"), batch + "LS", scoreSizes);
    const ProductSide weights { nullptr, scores ? &*scores : nullptr, scoreSizes, batch + "LS" };
    const c10::IValue& result = op.results[0];
    if (auto out = contract(weights, sideOf(a[2], batch + "SF"), batch + "LF", result.toTensor().sizes()))
        setChannels(result, std::move(*out));
}

} // namespace memoscope::channels
