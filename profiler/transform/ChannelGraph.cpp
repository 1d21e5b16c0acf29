#include "ChannelGraph.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>

namespace memoscope {

namespace {
    struct Segment {
        int space = -1; // -1: channels that cannot be pruned (the model's input, a constant)
        int64_t size = 0;
    };

    // The channel dimension a tensor carries, made of one or more spaces (several after a concatenation).
    struct Channels {
        int64_t dim = 0;
        int64_t block = 1;
        std::vector<Segment> segments;
        int64_t count() const
        {
            return std::accumulate(segments.begin(), segments.end(), int64_t(0),
                [](int64_t sum, const Segment& s) { return sum + s.size; });
        }
    };

    struct Space {
        int parent;
        int64_t size;
        std::string obstacle;
        std::vector<ChannelSlice> producers;
        std::vector<ChannelSlice> slices;
        std::vector<std::string> depthwiseConvs;
    };

    struct TensorName {
        std::string layer;
        std::string tensor;
    };

    const std::set<std::string> sameChannels = { "aten::relu", "aten::relu_", "aten::relu6", "aten::hardtanh",
        "aten::hardtanh_", "aten::silu", "aten::silu_", "aten::sigmoid", "aten::sigmoid_", "aten::hardsigmoid",
        "aten::hardsigmoid_", "aten::hardswish", "aten::hardswish_", "aten::gelu", "aten::tanh", "aten::tanh_",
        "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout", "aten::clamp",
        "aten::clamp_", "aten::clamp_min", "aten::clamp_min_", "aten::leaky_relu", "aten::leaky_relu_", "aten::elu",
        "aten::elu_", "aten::mish", "aten::softplus", "aten::contiguous", "aten::clone", "aten::detach", "aten::to",
        "aten::max_pool2d", "aten::avg_pool2d", "aten::adaptive_avg_pool2d", "aten::adaptive_max_pool2d",
        "aten::upsample_nearest2d", "aten::upsample_bilinear2d", "aten::max_pool2d_with_indices" };
    const std::set<std::string> elementwise = { "aten::add", "aten::add_", "aten::sub", "aten::sub_", "aten::mul",
        "aten::mul_", "aten::div", "aten::div_", "aten::maximum", "aten::minimum" };
    const std::set<std::string> shapeQueries = { "aten::size", "aten::dim", "aten::numel", "aten::len" };

    class Analysis {
    public:
        explicit Analysis(const torch::jit::Module& root)
        {
            for (const auto& named : root.named_parameters(/*recurse=*/true))
                remember(named.name, named.value);
            for (const auto& named : root.named_buffers(/*recurse=*/true))
                remember(named.name, named.value);
        }

        void run(const std::vector<TracedOp>& ops, const c10::IValue& output)
        {
            for (const TracedOp& op : ops)
                visit(op);
            forEachTensor(output, [&](const at::Tensor& tensor) {
                if (const Channels* c = channelsOf(tensor))
                    block(*c, "its channels reach the model's output, whose shape must stay");
            });
        }

        std::vector<ChannelGroup> groups()
        {
            std::vector<ChannelGroup> groups;
            for (int id = 0; id < int(m_spaces.size()); ++id) {
                const Space& space = m_spaces[size_t(id)];
                if (find(id) != id || space.producers.empty())
                    continue;
                groups.push_back(ChannelGroup { space.size, space.producers, space.slices, space.depthwiseConvs,
                    space.obstacle });
            }
            return groups;
        }

    private:
        void remember(const std::string& fullName, const at::Tensor& tensor)
        {
            const size_t dot = fullName.rfind('.');
            m_names[tensor.unsafeGetTensorImpl()]
                = dot == std::string::npos ? TensorName { "", fullName }
                                           : TensorName { fullName.substr(0, dot), fullName.substr(dot + 1) };
        }

        const TensorName* nameOf(const c10::IValue& value) const
        {
            if (!value.isTensor())
                return nullptr;
            const auto it = m_names.find(value.toTensor().unsafeGetTensorImpl());
            return it == m_names.end() ? nullptr : &it->second;
        }

        const Channels* channelsOf(const at::Tensor& tensor) const
        {
            const auto it = m_channels.find(tensor.unsafeGetTensorImpl());
            return it == m_channels.end() ? nullptr : &it->second;
        }
        const Channels* channelsOf(const c10::IValue& value) const
        {
            return value.isTensor() ? channelsOf(value.toTensor()) : nullptr;
        }
        void setChannels(const c10::IValue& value, const Channels& channels)
        {
            if (value.isTensor())
                m_channels[value.toTensor().unsafeGetTensorImpl()] = channels;
        }

        static void forEachTensor(const c10::IValue& value, const std::function<void(const at::Tensor&)>& visit)
        {
            if (value.isTensor())
                visit(value.toTensor());
            else if (value.isTensorList())
                for (const at::Tensor& tensor : value.toTensorVector())
                    visit(tensor);
            else if (value.isList())
                for (const c10::IValue& element : value.toListRef())
                    forEachTensor(element, visit);
            else if (value.isTuple())
                for (const c10::IValue& element : value.toTupleRef().elements())
                    forEachTensor(element, visit);
        }

        int find(int id)
        {
            while (m_spaces[size_t(id)].parent != id)
                id = m_spaces[size_t(id)].parent = m_spaces[size_t(m_spaces[size_t(id)].parent)].parent;
            return id;
        }

        int newSpace(int64_t size)
        {
            m_spaces.push_back(Space { int(m_spaces.size()), size, {}, {}, {}, {} });
            return int(m_spaces.size()) - 1;
        }

        void block(int space, const std::string& reason)
        {
            Space& root = m_spaces[size_t(find(space))];
            if (root.obstacle.empty())
                root.obstacle = reason;
        }
        void block(const Channels& channels, const std::string& reason)
        {
            for (const Segment& segment : channels.segments)
                if (segment.space >= 0)
                    block(segment.space, reason);
        }

        void merge(int a, int b)
        {
            a = find(a);
            b = find(b);
            if (a == b)
                return;
            Space& into = m_spaces[size_t(a)];
            Space& from = m_spaces[size_t(b)];
            if (into.size != from.size)
                into.obstacle = "added to channels of another count";
            if (into.obstacle.empty())
                into.obstacle = from.obstacle;
            into.producers.insert(into.producers.end(), from.producers.begin(), from.producers.end());
            into.slices.insert(into.slices.end(), from.slices.begin(), from.slices.end());
            into.depthwiseConvs.insert(into.depthwiseConvs.end(), from.depthwiseConvs.begin(), from.depthwiseConvs.end());
            from.parent = a;
        }

        // Two channel dimensions that meet (a residual addition): the same channels, so pruned alike.
        bool mergeChannels(const Channels& a, const Channels& b)
        {
            if (a.segments.size() != b.segments.size() || a.block != b.block)
                return false;
            for (size_t i = 0; i < a.segments.size(); ++i) {
                const Segment& x = a.segments[i];
                const Segment& y = b.segments[i];
                if (x.size != y.size)
                    return false;
                if (x.space >= 0 && y.space >= 0)
                    merge(x.space, y.space);
                else if (x.space >= 0)
                    block(x.space, "added to channels that cannot be pruned");
                else if (y.space >= 0)
                    block(y.space, "added to channels that cannot be pruned");
            }
            return true;
        }

        // A tensor of the model that follows a channel dimension along `dim`.
        void addSlices(const Channels& channels, const TensorName& name, int64_t dim)
        {
            int64_t offset = 0;
            for (const Segment& segment : channels.segments) {
                if (segment.space >= 0)
                    m_spaces[size_t(find(segment.space))].slices.push_back(
                        ChannelSlice { name.layer, name.tensor, dim, offset, channels.block });
                offset += segment.size * channels.block;
            }
        }

        void blockArguments(const TracedOp& op, const std::string& reason)
        {
            for (const c10::IValue& argument : op.arguments)
                forEachTensor(argument, [&](const at::Tensor& tensor) {
                    if (const Channels* c = channelsOf(tensor))
                        block(*c, reason);
                });
        }

        void visit(const TracedOp& op);
        void convolution(const TracedOp& op);
        void linear(const TracedOp& op);
        void batchNorm(const TracedOp& op);
        void binary(const TracedOp& op);
        void concatenate(const TracedOp& op);
        void flatten(const at::Tensor& input, const Channels& in, const at::Tensor& result, int64_t start, int64_t end);
        void reshape(const TracedOp& op);
        void moveDims(const TracedOp& op);

        std::unordered_map<const c10::TensorImpl*, TensorName> m_names;
        std::unordered_map<const c10::TensorImpl*, Channels> m_channels;
        std::vector<Space> m_spaces;
    };

    int64_t normalized(int64_t dim, int64_t rank) { return dim < 0 ? dim + rank : dim; }

    void Analysis::visit(const TracedOp& op)
    {
        const std::string& name = op.name;
        const auto& a = op.arguments;
        if (op.results.empty() || shapeQueries.count(name))
            return;
        if (name == "aten::conv2d" || name == "aten::_convolution" || name == "aten::convolution")
            return convolution(op);
        if (name == "aten::linear")
            return linear(op);
        if (name == "aten::batch_norm")
            return batchNorm(op);
        if (elementwise.count(name))
            return binary(op);
        if (name == "aten::cat")
            return concatenate(op);
        const Channels* in = a.empty() ? nullptr : channelsOf(a[0]);
        if (!in)
            return; // nothing prunable flows through
        if (sameChannels.count(name)) {
            setChannels(op.results[0], *in);
            return;
        }
        if (name == "aten::flatten" && a.size() >= 3) {
            const int64_t rank = a[0].toTensor().dim();
            return flatten(a[0].toTensor(), *in, op.results[0].toTensor(), normalized(a[1].toInt(), rank),
                normalized(a[2].toInt(), rank));
        }
        if (name == "aten::view" || name == "aten::reshape")
            return reshape(op);
        if (name == "aten::transpose" || name == "aten::permute" || name == "aten::unsqueeze" || name == "aten::squeeze"
            || name == "aten::select" || name == "aten::mean" || name == "aten::sum")
            return moveDims(op);
        if ((name == "aten::softmax" || name == "aten::log_softmax") && a.size() >= 2
            && normalized(a[1].toInt(), a[0].toTensor().dim()) != in->dim) {
            setChannels(op.results[0], *in);
            return;
        }
        blockArguments(op, "its channels go through " + name + ", which Memoscope cannot follow");
    }

    void Analysis::convolution(const TracedOp& op)
    {
        const auto& a = op.arguments;
        const bool transposed = op.name == "aten::conv2d" ? false : a[6].toBool();
        const int64_t groups = op.name == "aten::conv2d" ? a[6].toInt() : a[8].toInt();
        const TensorName* weight = nameOf(a[1]);
        const Channels* in = channelsOf(a[0]);
        if (!weight || transposed || a[1].toTensor().dim() != 4) {
            if (in)
                block(*in, transposed ? "they feed a transposed convolution" : "they feed a convolution with a computed weight");
            return;
        }
        const at::Tensor& w = a[1].toTensor();
        const TensorName* bias = nameOf(a[2]);
        const int64_t inputs = w.size(1) * groups;
        const int64_t outputs = w.size(0);
        const bool depthwise = groups > 1 && groups == inputs && outputs == inputs;
        if (in && (in->dim != 1 || in->block != 1)) {
            block(*in, "they reach a convolution along another dimension");
            in = nullptr;
        }
        if (depthwise) {
            // Channel c of a depthwise convolution depends on input channel c only: its channels are its input's.
            if (!in)
                return;
            addSlices(*in, *weight, 0);
            if (bias)
                addSlices(*in, *bias, 0);
            for (const Segment& segment : in->segments)
                if (segment.space >= 0)
                    m_spaces[size_t(find(segment.space))].depthwiseConvs.push_back(weight->layer);
            setChannels(op.results[0], *in);
            return;
        }
        const int space = newSpace(outputs);
        const ChannelSlice producer { weight->layer, weight->tensor, 0, 0, 1 };
        m_spaces[size_t(space)].producers.push_back(producer);
        m_spaces[size_t(space)].slices.push_back(producer);
        if (bias)
            m_spaces[size_t(space)].slices.push_back(ChannelSlice { bias->layer, bias->tensor, 0, 0, 1 });
        if (groups > 1) {
            const std::string reason = "grouped convolution (groups=" + std::to_string(groups) + ")";
            block(space, reason);
            if (in)
                block(*in, reason);
        } else if (in) {
            addSlices(*in, *weight, 1);
        }
        setChannels(op.results[0], Channels { 1, 1, { Segment { space, outputs } } });
    }

    void Analysis::linear(const TracedOp& op)
    {
        const auto& a = op.arguments;
        const TensorName* weight = nameOf(a[1]);
        const Channels* in = channelsOf(a[0]);
        if (!weight || a[1].toTensor().dim() != 2) {
            if (in)
                block(*in, "they feed a linear op with a computed weight");
            return;
        }
        if (in) {
            if (in->dim == a[0].toTensor().dim() - 1 && in->count() * in->block == a[1].toTensor().size(1))
                addSlices(*in, *weight, 1);
            else
                block(*in, "they reach a Linear along another dimension");
        }
        const int64_t outputs = a[1].toTensor().size(0);
        const int space = newSpace(outputs);
        const ChannelSlice producer { weight->layer, weight->tensor, 0, 0, 1 };
        m_spaces[size_t(space)].producers.push_back(producer);
        m_spaces[size_t(space)].slices.push_back(producer);
        if (const TensorName* bias = nameOf(a[2]))
            m_spaces[size_t(space)].slices.push_back(ChannelSlice { bias->layer, bias->tensor, 0, 0, 1 });
        const at::Tensor& result = op.results[0].toTensor();
        setChannels(op.results[0], Channels { result.dim() - 1, 1, { Segment { space, outputs } } });
    }

    void Analysis::batchNorm(const TracedOp& op)
    {
        const Channels* in = channelsOf(op.arguments[0]);
        if (!in)
            return;
        if (in->dim != 1 || in->block != 1) {
            block(*in, "they reach a BatchNorm along another dimension");
            return;
        }
        for (size_t i = 1; i <= 4; ++i)
            if (const TensorName* statistic = nameOf(op.arguments[i]))
                addSlices(*in, *statistic, 0);
        setChannels(op.results[0], *in);
    }

    void Analysis::binary(const TracedOp& op)
    {
        const at::Tensor& result = op.results[0].toTensor();
        const int64_t rank = result.dim();
        std::optional<Channels> out;
        std::vector<std::pair<const c10::IValue*, int64_t>> plain; // tensors without channels, with their rank
        for (size_t i = 0; i < 2 && i < op.arguments.size(); ++i) {
            const c10::IValue& operand = op.arguments[i];
            if (!operand.isTensor())
                continue;
            const Channels* c = channelsOf(operand);
            if (!c) {
                plain.emplace_back(&operand, operand.toTensor().dim());
                continue;
            }
            Channels aligned = *c;
            aligned.dim += rank - operand.toTensor().dim(); // broadcasting aligns from the right
            if (!out) {
                out = aligned;
            } else if (out->dim != aligned.dim || !mergeChannels(*out, aligned)) {
                block(*out, "combined with channels laid out differently");
                block(aligned, "combined with channels laid out differently");
                return;
            }
        }
        if (!out)
            return;
        // A plain operand as long as the channels (a per-channel scale of the model) must be cut with them.
        for (const auto& [operand, operandRank] : plain) {
            const at::Tensor& tensor = operand->toTensor();
            const int64_t dim = out->dim - (rank - operandRank);
            if (dim < 0 || tensor.size(dim) == 1)
                continue;
            if (const TensorName* name = nameOf(*operand))
                addSlices(*out, *name, dim);
            else
                block(*out, "combined element by element with a tensor that is not pruned");
        }
        setChannels(op.results[0], *out);
    }

    void Analysis::concatenate(const TracedOp& op)
    {
        const std::vector<at::Tensor> parts = op.arguments[0].toTensorVector();
        const at::Tensor& result = op.results[0].toTensor();
        const int64_t dim = normalized(op.arguments[1].toInt(), result.dim());
        bool any = false;
        Channels joined { dim, 1, {} };
        for (const at::Tensor& part : parts) {
            const Channels* c = channelsOf(part);
            any = any || c;
            if (c && c->dim == dim && c->block == 1)
                joined.segments.insert(joined.segments.end(), c->segments.begin(), c->segments.end());
            else if (!c)
                joined.segments.push_back(Segment { -1, part.size(dim) });
            else
                joined.dim = -1; // channels along another dimension
        }
        if (!any)
            return;
        if (joined.dim == dim) {
            setChannels(op.results[0], joined); // DenseNet: the consumer sees each producer's channels in turn
            return;
        }
        // Concatenated along another dimension (a class token before the patches): the same channels.
        std::optional<Channels> common;
        for (const at::Tensor& part : parts) {
            const Channels* c = channelsOf(part);
            if (!c) {
                for (const at::Tensor& other : parts)
                    if (const Channels* oc = channelsOf(other))
                        block(*oc, "concatenated with a tensor that is not pruned");
                return;
            }
            if (!common)
                common = *c;
            else if (!mergeChannels(*common, *c)) {
                block(*common, "concatenated with channels laid out differently");
                block(*c, "concatenated with channels laid out differently");
                return;
            }
        }
        setChannels(op.results[0], *common);
    }

    void Analysis::flatten(const at::Tensor& input, const Channels& in, const at::Tensor& result, int64_t start, int64_t end)
    {
        Channels out = in;
        if (in.dim < start) {
        } else if (in.dim > end) {
            out.dim -= end - start;
        } else if (in.dim == start) {
            for (int64_t d = start + 1; d <= end; ++d)
                out.block *= input.size(d); // each channel becomes H*W consecutive features
        } else {
            block(in, "flattened behind another dimension");
            return;
        }
        (void)result;
        setChannels(c10::IValue(result), out);
    }

    void Analysis::reshape(const TracedOp& op)
    {
        const at::Tensor& input = op.arguments[0].toTensor();
        const at::Tensor& result = op.results[0].toTensor();
        const Channels& in = *channelsOf(op.arguments[0]);
        const auto from = input.sizes();
        const auto to = result.sizes();
        const int64_t c = in.dim;
        const bool leadingSame = int64_t(to.size()) > c && std::equal(from.begin(), from.begin() + c, to.begin());
        if (leadingSame && int64_t(to.size()) == c + 1) // x.view(n, -1): a flatten from the channel dimension on
            return flatten(input, in, result, c, int64_t(from.size()) - 1);
        if (leadingSame && to[size_t(c)] == from[size_t(c)]) {
            setChannels(op.results[0], in); // only dimensions after the channels change
            return;
        }
        block(in, "reshaped across their channel dimension");
    }

    void Analysis::moveDims(const TracedOp& op)
    {
        const std::string& name = op.name;
        const auto& a = op.arguments;
        const Channels& in = *channelsOf(a[0]);
        const int64_t rank = a[0].toTensor().dim();
        Channels out = in;
        if (name == "aten::transpose") {
            const int64_t d0 = normalized(a[1].toInt(), rank);
            const int64_t d1 = normalized(a[2].toInt(), rank);
            out.dim = in.dim == d0 ? d1 : in.dim == d1 ? d0 : in.dim;
        } else if (name == "aten::permute") {
            const auto order = a[1].toIntVector();
            for (size_t i = 0; i < order.size(); ++i)
                if (normalized(order[i], rank) == in.dim)
                    out.dim = int64_t(i);
        } else if (name == "aten::unsqueeze") {
            if (normalized(a[1].toInt(), rank + 1) <= in.dim)
                ++out.dim;
        } else if (name == "aten::squeeze" || name == "aten::select") {
            const int64_t dim = a.size() > 1 && a[1].isInt() ? normalized(a[1].toInt(), rank) : -1;
            if (dim == in.dim || dim < 0) {
                block(in, name + " on their channel dimension");
                return;
            }
            if (dim < in.dim)
                --out.dim;
        } else { // mean, sum over dimensions
            const auto dims = a[1].isIntList() ? a[1].toIntVector() : std::vector<int64_t> {};
            const bool keep = a.size() > 2 && a[2].isBool() && a[2].toBool();
            int64_t before = 0;
            for (int64_t dim : dims) {
                const int64_t d = normalized(dim, rank);
                if (d == in.dim || dims.empty()) {
                    block(in, "reduced over their channel dimension");
                    return;
                }
                before += d < in.dim;
            }
            if (dims.empty()) {
                block(in, "reduced over their channel dimension");
                return;
            }
            if (!keep)
                out.dim -= before;
        }
        setChannels(op.results[0], out);
    }
}

std::vector<ChannelGroup> analyzeChannels(
    const torch::jit::Module& root, const std::vector<TracedOp>& ops, const c10::IValue& output)
{
    Analysis analysis(root);
    analysis.run(ops, output);
    return analysis.groups();
}

} // namespace memoscope
