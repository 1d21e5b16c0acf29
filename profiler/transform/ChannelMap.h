#pragma once
// Where a tensor's channels are: which of its dimensions carry channels of the model, and which channel sits at
// each position. A channel is a node: one output row of a layer (a Conv2d filter, a Linear feature, a column of
// an embedding, a row of an LSTM gate). Pruning analysis (ChannelGraph) joins nodes that must go together; this
// file only moves node maps through the ops that rearrange a tensor (reshape, permute, select, ...), so that a
// channel split into heads, shuffled between groups or flattened behind its pixels is still found where it went.
//
// A position that holds no prunable channel (the model's input, a constant) is FixedPosition. A map may cover
// several dimensions: after q.view(B, T, H, D) the channels sit on two, H heads of D features.

#include <ATen/core/Tensor.h>

#include <optional>
#include <vector>

namespace memoscope {

constexpr int64_t FixedPosition = -1; // a position no pruning may remove

struct Channels {
    std::vector<int64_t> dims; // the tensor dimensions that carry channels, in increasing order
    at::Tensor nodes; // int64, shaped as the tensor's sizes at `dims`

    bool empty() const { return dims.empty(); }
    bool carries(int64_t dim) const;
    int64_t position(int64_t dim) const; // index of `dim` in `dims`, or -1
    // The node at each index along a channel dimension (the other channel dimensions at their first index).
    std::vector<int64_t> along(int64_t dim) const;
};

// result dimension i is input dimension order[i]
Channels permuted(const Channels& channels, const std::vector<int64_t>& order);
Channels unsqueezed(const Channels& channels, int64_t dim);
// `dim` must not carry channels
Channels squeezed(const Channels& channels, int64_t dim);
// Drops `dim` at `index` (select); its channels there remain.
Channels selected(const Channels& channels, int64_t dim, int64_t index);
// Keeps [start, end) by `step` along `dim` (slice, narrow, chunk, split).
Channels sliced(const Channels& channels, int64_t dim, int64_t start, int64_t end, int64_t step = 1);

// A view of a tensor of sizes `from` as sizes `to`. Dimensions without channels that merge with channel
// dimensions (a batch folded into heads, pixels flattened behind their channel) repeat the nodes; `repeated`
// tells whether that happened, since a size that counts them depends on the input. Empty when the channels
// cannot be followed (a reshape that cuts across a channel dimension unevenly).
std::optional<Channels> reshaped(const Channels& channels, at::IntArrayRef from, at::IntArrayRef to, bool* repeated);

// The node map over `dims` (a superset of the channel dimensions, of `sizes`), repeated along the dimensions
// that carry no channels.
at::Tensor replicated(const Channels& channels, const std::vector<int64_t>& dims, at::IntArrayRef sizes);

// Drops dimensions that carry no information: repeats (the same nodes at every index) and, when others remain,
// dimensions of size 1.
Channels tightened(Channels channels);

} // namespace memoscope
