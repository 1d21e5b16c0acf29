#pragma once
// The channel analysis itself (ChannelGraph.h says what it finds): one object that walks the traced ops, with
// its handlers split by kind across ChannelGraph.cpp (nodes, ties, slices), ChannelShapes.cpp (ops that move or
// combine tensors) and ChannelLayers.cpp (layers that make channels). Private to the transforms.

#include "ChannelGraph.h"
#include "ChannelMap.h"

#include <map>
#include <optional>
#include <unordered_map>

namespace memoscope::channels {

struct TensorName {
    std::string layer;
    std::string tensor;
    bool operator<(const TensorName& other) const
    {
        return layer != other.layer ? layer < other.layer : tensor < other.tensor;
    }
};

// A tensor that is (a view of) a parameter or buffer, or one the model made from sizes (torch.zeros): pruning
// can cut it to fit the channels it meets instead of keeping them.
struct Origin {
    TensorName parameter; // empty tensor name: a tensor made by the model
    std::vector<int64_t> source; // per dimension: the parameter's dimension or the size element; -1: none
    std::vector<int64_t> offset; // per dimension: index i is source index offset + i * step
    std::vector<int64_t> step;
    size_t run = 0;
    size_t op = 0;
    size_t argument = 0; // of the op that made it: its int[] size
    bool made() const { return parameter.tensor.empty(); }
};

// Per position along a dimension, the nodes found there (a head's position holds all its features).
using Positions = std::vector<std::vector<int64_t>>;

class Analysis {
public:
    explicit Analysis(const torch::jit::Module& root);
    void run(const TracedRun& run, size_t index);
    ChannelAnalysis result();

    // Nodes and ties (ChannelGraph.cpp)
    int64_t nodesOf(const TensorName& parameter, int64_t dim, int64_t size); // first node of its rows
    int64_t find(int64_t node);
    void tie(int64_t a, int64_t b); // a FixedPosition pins the other
    int64_t tieAll(const at::Tensor& nodes); // one unit of them all; its node, or FixedPosition
    void tieEach(const at::Tensor& a, const at::Tensor& b); // position by position
    void pin(int64_t node, const std::string& reason);
    void pin(const Channels& channels, const std::string& reason);
    void pinArguments(const TracedOp& op, const std::string& reason);
    void tieAcross(Channels& channels, int64_t keep); // every channel dimension but `keep` whole
    Channels reduce(const Channels& channels, const std::vector<int64_t>& dims); // dims dropped, each slice tied
    void keepPicked(const std::vector<int64_t>& position, const std::string& reason);

    // Tensors (ChannelGraph.cpp)
    const TensorName* nameOf(const c10::IValue& value) const;
    const Channels* channelsOf(const c10::IValue& value) const;
    void setChannels(const c10::IValue& value, Channels channels);
    std::optional<Origin> originOf(const c10::IValue& value) const;
    void setOrigin(const c10::IValue& value, Origin origin);
    // A tensor of the model follows `nodes` along its dimension `dim`: slices it, or updates the size it was
    // made with. False when it can do neither.
    bool adopt(const c10::IValue& value, int64_t dim, const std::vector<int64_t>& nodes);
    void follow(const TensorName& tensor, int64_t dim, int64_t size, int64_t offset, int64_t step,
        const std::vector<int64_t>& nodes);
    void countSizes(size_t argument, int element, const Positions& positions, bool dependsOnInput);
    void countParts(int64_t dim, const std::vector<Positions>& parts);
    Positions positionsAlong(const Channels& channels, int64_t dim) const;
    // One node per index along `dim`; an index whose slice holds several units is pinned (FixedPosition).
    std::vector<int64_t> representatives(const Channels& channels, int64_t dim);

private:
    // Ops that move or combine tensors (ChannelShapes.cpp, ChannelMoves.cpp, ChannelOrigins.cpp)
    bool shapeOp(const TracedOp& op);
    bool movingOp(const TracedOp& op, const Channels& in);
    void combine(const TracedOp& op, const std::vector<c10::IValue>& arguments, const c10::IValue& result);
    bool lineUp(const c10::IValue& operand, const Channels& channels, int64_t rank);
    void reshape(const TracedOp& op, const at::Tensor& input, const at::Tensor& result);
    void concatenate(const TracedOp& op);
    void split(const TracedOp& op, int64_t dim);
    void squeeze(const TracedOp& op, const Channels& in);
    void select(const TracedOp& op, const Channels& in, int64_t dim, int64_t index);
    void slice(const TracedOp& op, const Channels& in);
    void expand(const TracedOp& op, const Channels& in);
    void padOrRoll(const TracedOp& op, const Channels& in);
    void reduction(const TracedOp& op, const Channels& in);
    void index(const TracedOp& op, const Channels& in);
    bool originOp(const TracedOp& op);
    void reshapeOrigin(const TracedOp& op, const Origin& origin, const at::Tensor& input, const at::Tensor& out);
    void splitOrigin(const TracedOp& op, int64_t dim, const std::vector<at::Tensor>& pieces);

    // Layers (ChannelLayers.cpp, ChannelProducts.cpp, ChannelRecurrent.cpp)
    struct ProductSide {
        const c10::IValue* value; // null for an intermediate result
        const Channels* channels;
        std::vector<int64_t> sizes;
        std::string letters; // one per dimension
    };
    bool layerOp(const TracedOp& op);
    std::optional<at::Tensor> rowsOf(const Origin& origin, int64_t dim, int64_t count);
    void followWeight(const Origin& origin, int64_t dim, const std::vector<int64_t>& nodes);
    void convolution(const TracedOp& op);
    void batchNorm(const TracedOp& op);
    void layerNorm(const TracedOp& op);
    void groupNorm(const TracedOp& op);
    void embedding(const TracedOp& op);
    void recurrent(const TracedOp& op, int gates);
    ProductSide sideOf(const c10::IValue& value, const std::string& letters);
    std::string channelLetters(const ProductSide& side) const;
    std::optional<Channels> contract(
        const ProductSide& a, const ProductSide& b, const std::string& out, at::IntArrayRef outSizes);
    std::optional<Channels> productResult(
        const ProductSide& a, const ProductSide& b, const std::string& out, at::IntArrayRef outSizes);
    void linear(const TracedOp& op, const c10::IValue& input, const c10::IValue& weight, const c10::IValue& bias);
    void product(const TracedOp& op, const c10::IValue& x, const c10::IValue& y, const c10::IValue& addend);
    void einsum(const TracedOp& op);
    void attention(const TracedOp& op);

    void visit(const TracedOp& op);
    void remember(const std::string& fullName, const at::Tensor& tensor);
    int64_t newNodes(int64_t count, int producer);
    void assembleGroups(ChannelAnalysis& out, const std::vector<int>& nodeUnit);

    std::unordered_map<const c10::TensorImpl*, TensorName> m_names;
    std::unordered_map<const c10::TensorImpl*, Channels> m_channels;
    std::unordered_map<const c10::TensorImpl*, Origin> m_origins;
    std::vector<int64_t> m_parent;
    std::vector<int> m_producer; // per node: index into m_producers
    std::vector<std::pair<TensorName, int64_t>> m_producers; // parameter and dimension whose rows are nodes
    std::map<std::pair<TensorName, int64_t>, int64_t> m_firstNode;
    std::map<int64_t, std::string> m_pins; // by root
    std::map<TensorName, std::vector<int64_t>> m_parameterSizes;
    std::map<TensorName, std::string> m_wholeTensors; // used whole by an op Memoscope cannot follow: why
    std::map<std::pair<TensorName, int64_t>, std::vector<int64_t>> m_slices; // entries: node, FixedPosition, Unset
    std::vector<std::tuple<size_t, size_t, size_t, int, Positions, bool>> m_sizes;
    std::vector<std::tuple<size_t, size_t, int64_t, std::vector<Positions>>> m_parts;
    size_t m_run = 0;
    size_t m_opIndex = 0;
};

constexpr int64_t Unset = -3; // a slice entry no op has reached

int64_t normalized(int64_t dim, int64_t rank);

} // namespace memoscope::channels
