#include "ChannelFlow.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <set>

namespace memoscope {

namespace channels {

    namespace {
        void forEachTensor(const c10::IValue& value, const std::function<void(const c10::IValue&)>& visit)
        {
            if (value.isTensor())
                visit(value);
            else if (value.isTensorList())
                for (const at::Tensor& tensor : value.toTensorVector())
                    visit(c10::IValue(tensor));
            else if (value.isList())
                for (const c10::IValue& element : value.toListRef())
                    forEachTensor(element, visit);
            else if (value.isTuple())
                for (const c10::IValue& element : value.toTupleRef().elements())
                    forEachTensor(element, visit);
        }
    }

    int64_t normalized(int64_t dim, int64_t rank) { return dim < 0 ? dim + rank : dim; }

    Analysis::Analysis(const torch::jit::Module& root)
    {
        for (const auto& named : root.named_parameters(/*recurse=*/true))
            remember(named.name, named.value);
        for (const auto& named : root.named_buffers(/*recurse=*/true))
            remember(named.name, named.value);
    }

    void Analysis::remember(const std::string& fullName, const at::Tensor& tensor)
    {
        const size_t dot = fullName.rfind('.');
        const TensorName name = dot == std::string::npos
            ? TensorName { "", fullName }
            : TensorName { fullName.substr(0, dot), fullName.substr(dot + 1) };
        m_names.emplace(tensor.unsafeGetTensorImpl(), name);
        m_parameterSizes.emplace(name, tensor.sizes().vec());
    }

    void Analysis::run(const TracedRun& run, size_t index)
    {
        m_run = index;
        for (size_t i = 0; i < run.ops.size(); ++i) {
            m_opIndex = i;
            visit(run.ops[i]);
        }
        forEachTensor(run.output, [&](const c10::IValue& tensor) {
            if (const Channels* c = channelsOf(tensor))
                pin(*c, "its channels reach the model's output, whose shape must stay");
        });
    }

    void Analysis::visit(const TracedOp& op)
    {
        if (op.results.empty())
            return;
        const bool followed = layerOp(op) || shapeOp(op);
        if (!followed)
            pinArguments(op, "its channels go through " + op.name + ", which Memoscope cannot follow");
        if (const char* debug = std::getenv("MEMOSCOPE_DEBUG_CHANNELS"); debug && std::string(debug) == "2") {
            std::string dims;
            for (const c10::IValue& result : op.results)
                if (const Channels* c = channelsOf(result))
                    dims += " " + c10::str(c->dims) + c10::str(c->nodes.sizes());
            std::fprintf(stderr, "%zu %s [%s]%s%s\n", m_opIndex, op.name.c_str(), op.layer.c_str(), dims.c_str(),
                followed ? "" : " (not followed)");
        }
    }

    // ---- nodes and ties

    int64_t Analysis::newNodes(int64_t count, int producer)
    {
        const int64_t first = int64_t(m_parent.size());
        for (int64_t i = 0; i < count; ++i) {
            m_parent.push_back(first + i);
            m_producer.push_back(producer);
        }
        return first;
    }

    int64_t Analysis::nodesOf(const TensorName& parameter, int64_t dim, int64_t size)
    {
        const auto key = std::make_pair(parameter, dim);
        const auto it = m_firstNode.find(key);
        if (it != m_firstNode.end())
            return it->second;
        m_producers.push_back(key);
        const int64_t first = newNodes(size, int(m_producers.size()) - 1);
        m_firstNode.emplace(key, first);
        std::vector<int64_t> rows(static_cast<size_t>(size));
        std::iota(rows.begin(), rows.end(), first);
        follow(parameter, dim, size, 0, 1, rows);
        return first;
    }

    int64_t Analysis::find(int64_t node)
    {
        while (m_parent[size_t(node)] != node)
            node = m_parent[size_t(node)] = m_parent[size_t(m_parent[size_t(node)])];
        return node;
    }

    void Analysis::pin(int64_t node, const std::string& reason)
    {
        if (node < 0)
            return;
        m_pins.emplace(find(node), reason); // the first reason stays
    }

    void Analysis::pin(const Channels& channels, const std::string& reason)
    {
        if (channels.empty())
            return;
        const at::Tensor nodes = channels.nodes.flatten();
        for (int64_t i = 0; i < nodes.numel(); ++i)
            pin(nodes[i].item<int64_t>(), reason);
    }

    void Analysis::pinArguments(const TracedOp& op, const std::string& reason)
    {
        for (const c10::IValue& argument : op.arguments)
            forEachTensor(argument, [&](const c10::IValue& tensor) {
                if (const Channels* c = channelsOf(tensor))
                    pin(*c, reason);
                if (const auto origin = originOf(tensor); origin && !origin->made())
                    m_wholeTensors.emplace(origin->parameter, reason);
            });
    }

    void Analysis::tie(int64_t a, int64_t b)
    {
        if (a == Unset || b == Unset || (a < 0 && b < 0))
            return;
        if (a < 0 || b < 0) {
            pin(a < 0 ? b : a, "tied to positions of a tensor that is not pruned");
            return;
        }
        a = find(a);
        b = find(b);
        if (a == b)
            return;
        m_parent[size_t(b)] = a;
        const auto pinned = m_pins.find(b);
        if (pinned != m_pins.end()) {
            m_pins.emplace(a, pinned->second);
            m_pins.erase(pinned);
        }
    }

    int64_t Analysis::tieAll(const at::Tensor& nodes)
    {
        const at::Tensor flat = nodes.flatten().contiguous();
        const int64_t* data = flat.data_ptr<int64_t>();
        int64_t first = FixedPosition;
        bool fixed = false;
        for (int64_t i = 0; i < flat.numel(); ++i) {
            if (data[i] < 0) {
                fixed = fixed || data[i] == FixedPosition;
                continue;
            }
            if (first < 0)
                first = data[i];
            else
                tie(first, data[i]);
        }
        if (fixed)
            pin(first, "tied to positions of a tensor that is not pruned");
        return first;
    }

    void Analysis::tieAcross(Channels& channels, int64_t keep)
    {
        const int64_t at = channels.position(keep);
        at::Tensor moved = channels.nodes.movedim(at, 0);
        std::vector<int64_t> line;
        for (int64_t i = 0; i < moved.size(0); ++i)
            line.push_back(tieAll(moved[i]));
        channels.nodes = channels.nodes.clone();
        at::Tensor target = channels.nodes.movedim(at, 0);
        for (int64_t i = 0; i < target.size(0); ++i)
            target[i].fill_(line[size_t(i)]);
    }

    Channels Analysis::reduce(const Channels& channels, const std::vector<int64_t>& dims)
    {
        std::vector<int64_t> keep;
        std::vector<int64_t> order;
        std::vector<int64_t> keepSizes;
        for (size_t i = 0; i < channels.dims.size(); ++i)
            if (std::find(dims.begin(), dims.end(), channels.dims[i]) == dims.end()) {
                keep.push_back(channels.dims[i]);
                order.push_back(int64_t(i));
                keepSizes.push_back(channels.nodes.size(int64_t(i)));
            }
        if (keep.empty())
            return Channels {}; // reduced over all its channels: what remains carries none
        for (size_t i = 0; i < channels.dims.size(); ++i)
            if (std::find(order.begin(), order.end(), int64_t(i)) == order.end())
                order.push_back(int64_t(i));
        at::Tensor rows = channels.nodes.permute(order).reshape({ -1,
            channels.nodes.numel()
                / std::accumulate(keepSizes.begin(), keepSizes.end(), int64_t(1), std::multiplies<>()) });
        at::Tensor reduced = at::empty({ rows.size(0) }, at::kLong);
        for (int64_t i = 0; i < rows.size(0); ++i)
            reduced[i] = tieAll(rows[i]);
        return Channels { keep, reduced.reshape(keepSizes) };
    }

    // ---- tensors

    const TensorName* Analysis::nameOf(const c10::IValue& value) const
    {
        if (!value.isTensor())
            return nullptr;
        const auto it = m_names.find(value.toTensor().unsafeGetTensorImpl());
        return it == m_names.end() ? nullptr : &it->second;
    }

    const Channels* Analysis::channelsOf(const c10::IValue& value) const
    {
        if (!value.isTensor())
            return nullptr;
        const auto it = m_channels.find(value.toTensor().unsafeGetTensorImpl());
        return it == m_channels.end() ? nullptr : &it->second;
    }

    void Analysis::setChannels(const c10::IValue& value, Channels channels)
    {
        if (!value.isTensor() || channels.empty())
            return;
        const at::Tensor& tensor = value.toTensor();
        bool fits = int64_t(channels.dims.size()) == channels.nodes.dim() && channels.dims.back() < tensor.dim();
        for (size_t i = 0; fits && i < channels.dims.size(); ++i)
            fits = tensor.size(channels.dims[i]) == channels.nodes.size(int64_t(i));
        if (!fits) { // a map that does not fit its tensor: an op followed wrongly, so none of it may be cut
            if (std::getenv("MEMOSCOPE_DEBUG_CHANNELS"))
                std::fprintf(stderr, "channel map %s does not fit %s after op %zu\n",
                    c10::str(channels.nodes.sizes()).c_str(), c10::str(tensor.sizes()).c_str(), m_opIndex);
            pin(channels, "Memoscope lost track of them");
            return;
        }
        m_channels[tensor.unsafeGetTensorImpl()] = std::move(channels);
    }

    std::optional<Origin> Analysis::originOf(const c10::IValue& value) const
    {
        if (!value.isTensor())
            return std::nullopt;
        const auto it = m_origins.find(value.toTensor().unsafeGetTensorImpl());
        if (it != m_origins.end())
            return it->second;
        const TensorName* name = nameOf(value);
        if (!name)
            return std::nullopt;
        const int64_t rank = value.toTensor().dim();
        Origin origin;
        origin.parameter = *name;
        for (int64_t d = 0; d < rank; ++d) {
            origin.source.push_back(d);
            origin.offset.push_back(0);
            origin.step.push_back(1);
        }
        return origin;
    }

    void Analysis::setOrigin(const c10::IValue& value, Origin origin)
    {
        if (value.isTensor() && !nameOf(value))
            m_origins[value.toTensor().unsafeGetTensorImpl()] = std::move(origin);
    }

    bool Analysis::adopt(const c10::IValue& value, int64_t dim, const std::vector<int64_t>& nodes)
    {
        const auto origin = originOf(value);
        if (!origin || origin->source[size_t(dim)] < 0 || value.toTensor().size(dim) != int64_t(nodes.size()))
            return false;
        const int64_t source = origin->source[size_t(dim)];
        if (origin->made()) {
            if (origin->offset[size_t(dim)] != 0 || origin->step[size_t(dim)] != 1)
                return false;
            Positions positions;
            for (int64_t node : nodes)
                positions.push_back({ node });
            m_sizes.emplace_back(origin->run, origin->op, origin->argument, int(source), positions, false);
            return true;
        }
        const auto size = m_parameterSizes.find(origin->parameter);
        if (size == m_parameterSizes.end())
            return false;
        follow(origin->parameter, source, size->second[size_t(source)], origin->offset[size_t(dim)],
            origin->step[size_t(dim)], nodes);
        return true;
    }

    void Analysis::follow(const TensorName& tensor, int64_t dim, int64_t size, int64_t offset, int64_t step,
        const std::vector<int64_t>& nodes)
    {
        auto& entries = m_slices[{ tensor, dim }];
        if (entries.empty())
            entries.assign(size_t(size), Unset);
        for (size_t i = 0; i < nodes.size(); ++i) {
            int64_t& entry = entries[size_t(offset + int64_t(i) * step)];
            if (entry == Unset)
                entry = nodes[i];
            else
                tie(entry, nodes[i]);
        }
    }

    void Analysis::countSizes(size_t argument, int element, const Positions& positions, bool dependsOnInput)
    {
        m_sizes.emplace_back(m_run, m_opIndex, argument, element, positions, dependsOnInput);
    }

    void Analysis::countParts(int64_t dim, const std::vector<Positions>& parts)
    {
        m_parts.emplace_back(m_run, m_opIndex, dim, parts);
    }

    Positions Analysis::positionsAlong(const Channels& channels, int64_t dim) const
    {
        const at::Tensor moved = channels.nodes.movedim(channels.position(dim), 0)
                                     .reshape({ channels.nodes.size(channels.position(dim)), -1 })
                                     .contiguous();
        Positions positions(size_t(moved.size(0)));
        for (int64_t i = 0; i < moved.size(0); ++i) {
            const int64_t* row = moved[i].data_ptr<int64_t>();
            std::set<int64_t> distinct(row, row + moved.size(1));
            positions[size_t(i)].assign(distinct.begin(), distinct.end());
        }
        return positions;
    }

    std::vector<int64_t> Analysis::representatives(const Channels& channels, int64_t dim)
    {
        std::vector<int64_t> nodes;
        for (const std::vector<int64_t>& position : positionsAlong(channels, dim)) {
            std::set<int64_t> roots;
            for (int64_t node : position)
                roots.insert(node < 0 ? node : find(node));
            if (roots.size() == 1) {
                nodes.push_back(position.front());
                continue;
            }
            for (int64_t node : position)
                pin(node, "a tensor that follows them is cut along a dimension where they are mixed");
            nodes.push_back(FixedPosition);
        }
        return nodes;
    }

    // ---- the result

    ChannelAnalysis Analysis::result()
    {
        // A tensor an op used whole (one Memoscope cannot follow) keeps every position.
        for (const auto& [key, entries] : m_slices) {
            const auto whole = m_wholeTensors.find(key.first);
            if (whole != m_wholeTensors.end())
                for (int64_t node : entries)
                    pin(node, whole->second);
        }
        ChannelAnalysis out;
        std::map<int64_t, int> unitOf; // root node -> unit
        std::vector<int> nodeUnit(m_parent.size());
        for (size_t node = 0; node < m_parent.size(); ++node) {
            const int64_t root = find(int64_t(node));
            const auto [it, added] = unitOf.emplace(root, int(unitOf.size()));
            nodeUnit[node] = it->second;
            if (added) {
                const auto pinned = m_pins.find(root);
                out.pinned.push_back(pinned == m_pins.end() ? std::string() : pinned->second);
            }
        }
        out.unitCount = int(unitOf.size());
        const auto units = [&](const std::vector<int64_t>& nodes) {
            std::vector<int> mapped;
            for (int64_t node : nodes)
                mapped.push_back(node >= 0 ? nodeUnit[size_t(node)] : int(FixedPosition));
            return mapped;
        };
        // A position holding several units stays while any of them does: counted as always kept.
        const auto positionUnits = [&](const Positions& positions) {
            std::vector<int> mapped;
            for (const std::vector<int64_t>& position : positions) {
                std::set<int> distinct;
                for (int64_t node : position)
                    distinct.insert(node >= 0 ? nodeUnit[size_t(node)] : int(FixedPosition));
                mapped.push_back(distinct.size() == 1 ? *distinct.begin() : int(FixedPosition));
            }
            return mapped;
        };
        for (const auto& [key, entries] : m_slices)
            out.slices.push_back(ChannelSlice { key.first.layer, key.first.tensor, key.second, units(entries) });
        for (const auto& [run, op, argument, element, positions, input] : m_sizes)
            out.sizes.push_back(SizeArgument { run, op, argument, element, positionUnits(positions), input });
        for (const auto& [run, op, dim, parts] : m_parts) {
            ChannelParts mapped { run, op, dim, {} };
            for (const Positions& part : parts)
                mapped.parts.push_back(positionUnits(part));
            out.parts.push_back(std::move(mapped));
        }
        assembleGroups(out, nodeUnit);
        return out;
    }

    // Units made by the same layer are pruned under one ratio: a group joins every unit that shares a producer.
    void Analysis::assembleGroups(ChannelAnalysis& out, const std::vector<int>& nodeUnit)
    {
        std::vector<int> parent(size_t(out.unitCount));
        std::iota(parent.begin(), parent.end(), 0);
        const std::function<int(int)> root
            = [&](int u) { return parent[size_t(u)] == u ? u : parent[size_t(u)] = root(parent[size_t(u)]); };
        std::vector<int> firstUnitOfProducer(m_producers.size(), -1);
        for (size_t node = 0; node < nodeUnit.size(); ++node) {
            int& first = firstUnitOfProducer[size_t(m_producer[node])];
            if (first < 0)
                first = nodeUnit[node];
            else
                parent[size_t(root(nodeUnit[node]))] = root(first);
        }
        std::map<int, size_t> groupOf;
        for (int u = 0; u < out.unitCount; ++u) {
            const auto [it, added] = groupOf.emplace(root(u), out.groups.size());
            if (added)
                out.groups.emplace_back();
            out.groups[it->second].units.push_back(u);
        }
        for (size_t p = 0; p < m_producers.size(); ++p) {
            const auto& [tensor, dim] = m_producers[p];
            const auto slice = m_slices.find({ tensor, dim });
            const int unit = firstUnitOfProducer[p];
            if (slice == m_slices.end() || unit < 0)
                continue;
            ChannelGroup& group = out.groups[groupOf.at(root(unit))];
            ChannelSlice producer { tensor.layer, tensor.tensor, dim, {} };
            for (int64_t node : slice->second)
                producer.units.push_back(node >= 0 ? nodeUnit[size_t(node)] : int(FixedPosition));
            group.producers.push_back(std::move(producer));
        }
        for (ChannelGroup& group : out.groups) {
            bool allPinned = true;
            for (int u : group.units)
                allPinned = allPinned && !out.pinned[size_t(u)].empty();
            if (allPinned)
                group.obstacle = out.pinned[size_t(group.units.front())];
        }
    }
}

ChannelAnalysis analyzeChannels(const torch::jit::Module& root, const std::vector<TracedRun>& runs)
{
    channels::Analysis analysis(root);
    for (size_t i = 0; i < runs.size(); ++i)
        analysis.run(runs[i], i);
    return analysis.result();
}

} // namespace memoscope
