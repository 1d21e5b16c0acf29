#include "ChannelGraph.h"
#include "FusedFastPaths.h"
#include "GraphRewrite.h"
#include "OpTrace.h"
#include "Pruning.h"
#include "ScriptEditing.h"
#include "profiler/ProfileError.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace memoscope {

using namespace torch::jit;

namespace {
    at::Tensor tensorOf(const Module& root, const ChannelSlice& slice)
    {
        return script::findModule(root, slice.layer)->attr(slice.tensor).toTensor();
    }

    // Importance of each channel of a group: the norms of its producers' weight rows, summed.
    at::Tensor importance(const Module& root, const ChannelGroup& group, bool l2)
    {
        at::Tensor total = torch::zeros({ group.size }, torch::kDouble);
        for (const ChannelSlice& producer : group.producers) {
            const at::Tensor rows = tensorOf(root, producer).detach().to(torch::kDouble).reshape({ group.size, -1 });
            total += l2 ? rows.pow(2).sum(1).sqrt() : rows.abs().sum(1);
        }
        return total;
    }

    std::vector<int64_t> strongest(const at::Tensor& scores, int64_t keep)
    {
        std::vector<int64_t> order(size_t(scores.size(0)));
        std::iota(order.begin(), order.end(), 0);
        const auto values = scores.accessor<double, 1>();
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return values[a] > values[b]; });
        order.resize(size_t(keep));
        std::sort(order.begin(), order.end()); // keep the channels in their order
        return order;
    }

    // Sets a class constant (Conv2d.out_channels, ...) so the saved model describes itself truly.
    void setConstant(Module& module, const std::string& name, int64_t value)
    {
        const c10::ClassTypePtr type = module.type();
        if (!type->hasConstant(name))
            return;
        type->unsafeRemoveConstant(name);
        type->addConstant(name, value);
    }

    // A depthwise convolution's `groups` is compiled into its methods as a constant argument of the conv op.
    void setGroups(Module& module, int64_t groups)
    {
        const int64_t old = module.type()->hasConstant("groups") ? module.type()->getConstant("groups").toInt() : -1;
        for (Function* method : module.type()->methods()) {
            auto graph = toGraphFunction(*method).graph();
            for (Node* node : graph->nodes()) {
                const bool conv2d = node->kind() == aten::conv2d;
                if (!conv2d && node->kind() != aten::_convolution)
                    continue;
                const size_t index = conv2d ? 6 : 8;
                const auto value = toIValue(node->input(index));
                if (value && value->isInt() && (old < 0 || value->toInt() == old)) {
                    WithInsertPoint guard(node);
                    node->replaceInput(index, graph->insertConstant(groups));
                }
            }
        }
        setConstant(module, "groups", groups);
    }
}

TransformReport pruneStructured(Module& root, const std::vector<c10::IValue>& exampleInputs,
    const PruningSettings& settings, const TransformOptions& options)
{
    TransformReport report;
    // The fused inference kernels of nn.TransformerEncoderLayer take every weight at once; the layer's own
    // ops are what can be followed (and what runs once its tensors have been cut). A module that already ran
    // keeps its compiled methods, so the edited one is reloaded.
    if (script::disableFusedFastPaths(script::methodGraphs(root)) > 0) {
        report.notes.push_back("PyTorch's fused transformer fast path is turned off so that pruned layers run their own ops");
        root = script::roundTrip(root);
        root.eval();
    }
    script::uniquifyTypes(root);
    c10::IValue output;
    const std::vector<TracedOp> ops = traceOps(root, exampleInputs, &output);
    std::vector<ChannelGroup> groups = analyzeChannels(root, ops, output);

    // Which groups may be pruned, and how many channels each keeps.
    std::vector<const ChannelGroup*> prunable;
    for (ChannelGroup& group : groups) {
        std::string obstacle = group.obstacle;
        for (const ChannelSlice& slice : group.slices)
            if (obstacle.empty() && options.isExcluded(slice.layer))
                obstacle = "excluded (" + slice.layer + " follows its channels)";
        if (!obstacle.empty()) {
            for (const ChannelSlice& producer : group.producers)
                report.skip(producer.layer, obstacle);
            continue;
        }
        prunable.push_back(&group);
    }
    std::map<const ChannelGroup*, std::vector<int64_t>> kept;
    if (settings.global) {
        // One threshold over all channels, each layer's norms divided by their mean so layers compare.
        std::vector<std::tuple<double, const ChannelGroup*, int64_t>> all;
        for (const ChannelGroup* group : prunable) {
            at::Tensor scores = importance(root, *group, settings.l2);
            scores = scores / std::max(scores.mean().item<double>(), 1e-12);
            for (int64_t c = 0; c < group->size; ++c)
                all.emplace_back(scores[c].item<double>(), group, c);
        }
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
        std::map<const ChannelGroup*, std::set<int64_t>> removed;
        const size_t target = size_t(double(all.size()) * settings.ratio);
        for (const auto& [score, group, channel] : all) {
            if (size_t(std::accumulate(removed.begin(), removed.end(), size_t(0),
                    [](size_t n, const auto& r) { return n + r.second.size(); }))
                >= target)
                break;
            if (int64_t(removed[group].size()) + 1 < group->size) // every layer keeps at least one channel
                removed[group].insert(channel);
        }
        for (const ChannelGroup* group : prunable)
            for (int64_t c = 0; c < group->size; ++c)
                if (!removed[group].count(c))
                    kept[group].push_back(c);
    } else {
        for (const ChannelGroup* group : prunable) {
            const int64_t keep = std::max<int64_t>(1, group->size - int64_t(double(group->size) * settings.ratio));
            kept[group] = strongest(importance(root, *group, settings.l2), keep);
        }
    }

    // Masks along each (tensor, dimension) a group cuts; a tensor may follow several groups (concatenations).
    std::map<std::tuple<std::string, std::string, int64_t>, std::vector<bool>> masks;
    std::map<std::string, int64_t> depthwiseGroups;
    for (const auto& [group, channels] : kept) {
        if (int64_t(channels.size()) == group->size)
            continue;
        std::vector<bool> keepChannel(size_t(group->size), false);
        for (int64_t c : channels)
            keepChannel[size_t(c)] = true;
        for (const ChannelSlice& slice : group->slices) {
            const at::Tensor tensor = tensorOf(root, slice);
            auto& mask = masks[{ slice.layer, slice.tensor, slice.dim }];
            if (mask.empty())
                mask.assign(size_t(tensor.size(slice.dim)), true);
            for (int64_t c = 0; c < group->size; ++c)
                if (!keepChannel[size_t(c)])
                    for (int64_t e = 0; e < slice.block; ++e)
                        mask[size_t(slice.offset + c * slice.block + e)] = false;
        }
        for (const std::string& conv : group->depthwiseConvs)
            depthwiseGroups[conv] = 0; // counted from its weight once cut
        for (const ChannelSlice& producer : group->producers) {
            const std::string line = producer.layer + ": " + std::to_string(group->size) + " -> "
                + std::to_string(channels.size()) + (producer.tensor == "weight" ? "" : " (" + producer.tensor + ")");
            if (std::find(report.changed.begin(), report.changed.end(), producer.layer) == report.changed.end())
                report.changed.push_back(producer.layer);
            report.notes.push_back(line);
        }
    }
    if (masks.empty()) {
        std::string reasons;
        for (size_t i = 0; i < report.skipped.size() && i < 3; ++i)
            reasons += (i ? "; " : "") + report.skipped[i].layer + ": " + report.skipped[i].reason;
        throw ProfileError(ExitBadInput,
            QStringLiteral("nothing in this model can be pruned safely%1, so no file was written")
                .arg(reasons.empty() ? QString() : QStringLiteral(" (%1)").arg(QString::fromStdString(reasons))));
    }

    std::set<std::string> touched;
    for (const auto& [key, mask] : masks) {
        const auto& [layer, name, dim] = key;
        Module module = *script::findModule(root, layer);
        const at::Tensor tensor = module.attr(name).toTensor();
        std::vector<int64_t> indices;
        for (size_t i = 0; i < mask.size(); ++i)
            if (mask[i])
                indices.push_back(int64_t(i));
        const at::Tensor cut = tensor.detach().index_select(dim, torch::tensor(indices, torch::kLong)).contiguous();
        if (module.type()->hasAttribute(name) && module.type()->is_parameter(module.type()->getAttributeSlot(name)))
            module.register_parameter(name, cut.requires_grad_(tensor.requires_grad()), /*is_buffer=*/false);
        else
            module._ivalue()->setAttr(name, cut);
        touched.insert(layer);
    }
    // Keep each layer's own description true: channel counts, and a depthwise convolution's groups.
    for (const std::string& layer : touched) {
        Module module = *script::findModule(root, layer);
        const std::string type = script::className(module);
        if (type == "Conv2d") {
            const at::Tensor weight = module.attr("weight").toTensor();
            const bool depthwise = depthwiseGroups.count(layer);
            const int64_t groups = depthwise ? weight.size(0)
                                             : (module.type()->hasConstant("groups") ? module.type()->getConstant("groups").toInt() : 1);
            if (depthwise)
                setGroups(module, groups);
            setConstant(module, "out_channels", weight.size(0));
            setConstant(module, "in_channels", weight.size(1) * groups);
        } else if (type == "Linear") {
            const at::Tensor weight = module.attr("weight").toTensor();
            setConstant(module, "out_features", weight.size(0));
            setConstant(module, "in_features", weight.size(1));
        } else if (type.rfind("BatchNorm", 0) == 0 && module.hasattr("running_mean")) {
            setConstant(module, "num_features", module.attr("running_mean").toTensor().size(0));
        }
    }
    return report;
}

} // namespace memoscope
