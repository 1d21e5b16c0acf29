#include "Checkpointing.h"

#include "CheckpointFunction.h"
#include "CheckpointSelective.h"
#include "ForwardWrapper.h"
#include "ScriptEditing.h"
#include "profiler/ProfileError.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

namespace memoscope {

namespace {
    using torch::jit::Module;

    QString text(const std::string& value) { return QString::fromStdString(value); }

    bool isTensor(const c10::TypePtr& type) { return type->kind() == c10::TypeKind::TensorType; }

    bool isOptionalTensor(const c10::TypePtr& type)
    {
        const auto optional = type->cast<c10::OptionalType>();
        return optional && isTensor(optional->getElementType());
    }

    const char* const signatureRule = "a segment's forward must take tensors (Tensor or Optional[Tensor]) and "
                                      "return a tensor or a tuple of tensors";

    // Why the module cannot be a segment, or empty when it can. Only tensors can cross the boundary: the
    // autograd Function that recomputes the segment differentiates tensors and saves nothing else.
    std::string whyNotCheckpointable(const Module& module)
    {
        const auto forward = module.find_method("forward");
        if (!forward)
            return "it is a " + script::className(module) + ", which has no forward of its own";
        const c10::FunctionSchema& schema = forward->function().getSchema();
        for (size_t i = 1; i < schema.arguments().size(); ++i) {
            const c10::Argument& argument = schema.arguments()[i];
            if (!isTensor(argument.type()) && !isOptionalTensor(argument.type()))
                return "its forward takes `" + argument.name() + "` of type " + argument.type()->annotation_str() + "; "
                    + signatureRule;
            if (argument.default_value() && !argument.default_value()->isNone())
                return "its forward's argument `" + argument.name()
                    + "` has a default tensor, which a rewritten forward cannot repeat";
        }
        if (schema.returns().size() != 1)
            return "its forward returns " + std::to_string(schema.returns().size()) + " values; " + signatureRule;
        const c10::TypePtr result = schema.returns()[0].type();
        if (isTensor(result))
            return {};
        const auto tuple = result->cast<c10::TupleType>();
        const bool tensors = tuple && !tuple->name() && !tuple->elements().empty()
            && std::all_of(tuple->elements().begin(), tuple->elements().end(), isTensor);
        if (!tensors)
            return "its forward returns " + result->annotation_str() + "; " + signatureRule;
        return {};
    }

    // The new forward: the same signature, calling the op with `self` when this instance is checkpointed and
    // the original forward otherwise (instances of one class type share methods, but not attribute values).
    std::string checkpointedForward(const c10::FunctionSchema& schema, const std::string& path)
    {
        // Defaults are None here: whyNotCheckpointable() refused any other.
        const std::string parameters = script::parameterListSource(schema, path);
        std::string arguments;
        for (size_t i = 1; i < schema.arguments().size(); ++i)
            arguments += (arguments.empty() ? "" : ", ") + schema.arguments()[i].name();
        const c10::TypePtr result = schema.returns()[0].type();
        std::string results = "_memoscope_outputs[0]";
        if (const auto tuple = result->cast<c10::TupleType>()) {
            results.clear();
            for (size_t i = 0; i < tuple->elements().size(); ++i)
                results += "_memoscope_outputs[" + std::to_string(i) + "], ";
            results = "(" + results + ")";
        }
        return "def forward(" + parameters + ") -> " + result->annotation_str() + ":\n" + "    if self."
            + checkpointing::enabledAttribute + ":\n" + "        _memoscope_inputs: List[Optional[Tensor]] = ["
            + arguments + "]\n" + "        _memoscope_outputs = " + checkpointing::opInSource()
            + "(self, _memoscope_inputs)\n" + "        return " + results + "\n" + "    return self."
            + checkpointing::originalForward + "(" + arguments + ")\n";
    }

    // Rewrites the forward of the segment's class type once; every instance of the type gets the attributes
    // that say whether it is checkpointed, so the ones that are not keep running their plain forward.
    void rewriteForward(Module& root, const std::string& segmentPath, Module& segment)
    {
        const c10::ClassTypePtr type = segment.type();
        if (type->findMethod(checkpointing::originalForward))
            return; // another instance of this type, or an earlier call, did it
        for (auto& [path, module] : script::namedModules(root)) {
            if (module.type() != type)
                continue;
            module.register_attribute(checkpointing::enabledAttribute, c10::BoolType::get(), false);
            module.register_attribute(checkpointing::pathAttribute, c10::StringType::get(), path);
        }
        const c10::FunctionSchema schema = segment.get_method("forward").function().getSchema();
        script::renameMethod(segment, "forward", checkpointing::originalForward);
        script::defineMethod(segment, "forward", checkpointedForward(schema, segmentPath));
    }

    bool isInside(const std::string& path, const std::string& outer)
    {
        return outer.empty()
            ? !path.empty()
            : path.size() > outer.size() && path.compare(0, outer.size(), outer) == 0 && path[outer.size()] == '.';
    }

    std::string joined(const std::string& parent, const std::string& child)
    {
        return parent.empty() ? child : parent + "." + child;
    }

    // Layers with weights of their own: the unit the sqrt(n) rule counts.
    int weightedLayers(const Module& module)
    {
        int layers = 0;
        for (const torch::jit::NameModule& named : module.named_modules())
            if (named.value.named_parameters(/*recurse=*/false).size() > 0)
                ++layers;
        return layers;
    }

    bool hasChildren(const Module& module) { return module.named_children().size() > 0; }

    // The model's top-level blocks: the root's children, or, when the root has only a few (an embedding, an
    // encoder and a head, say), the children of the deepest Sequential or ModuleList in the model (the encoder's
    // layers), where the depth of such models lies. Deepest by weighted layers, not parameters: mobilenet_v3_small's
    // classifier (two Linear layers) holds more parameters than its 52-layer features.
    std::vector<std::pair<std::string, Module>> topLevelBlocks(const Module& root)
    {
        const int fewChildren = 4;
        std::vector<std::pair<std::string, Module>> blocks;
        for (const torch::jit::NameModule& child : root.named_children())
            blocks.emplace_back(child.name, child.value);
        if (int(blocks.size()) >= fewChildren)
            return blocks;
        std::optional<std::pair<std::string, Module>> biggest;
        int64_t biggestCount = 0;
        for (const auto& [path, module] : script::namedModules(root)) {
            const std::string kind = script::className(module);
            if ((kind != "Sequential" && kind != "ModuleList") || !hasChildren(module))
                continue;
            const int64_t count = weightedLayers(module);
            if (!biggest || count > biggestCount) // parents come first: the shallower wins a tie
                biggest.emplace(path, module), biggestCount = count;
        }
        if (!biggest)
            return blocks;
        blocks.clear();
        for (const torch::jit::NameModule& child : biggest->second.named_children())
            blocks.emplace_back(joined(biggest->first, child.name), child.value);
        return blocks;
    }

    void chooseSegments(
        const std::string& path, const Module& block, double largest, std::vector<std::string>* segments)
    {
        if (!hasChildren(block))
            return; // a single layer keeps its input for backward anyway: checkpointing it saves nothing
        const bool checkpointable = whyNotCheckpointable(block).empty();
        bool childrenHaveChildren = false;
        for (const torch::jit::NameModule& child : block.named_children())
            childrenHaveChildren = childrenHaveChildren || hasChildren(child.value);
        if ((!checkpointable || weightedLayers(block) > largest) && childrenHaveChildren) {
            for (const torch::jit::NameModule& child : block.named_children())
                chooseSegments(joined(path, child.name), child.value, largest, segments);
            return;
        }
        if (checkpointable)
            segments->push_back(path);
    }
}

// The rule. For a chain of n equal layers, cutting it into about sqrt(n) segments of about sqrt(n) layers keeps
// the fewest activations: the segments' inputs plus the insides of one segment while it is recomputed (Chen et
// al., 2016, "Training deep nets with sublinear memory cost"). Segments here are modules, so the cut follows the
// model's own grouping: each top-level block (see topLevelBlocks) is a segment, and a block holding more than
// 2 sqrt(n) of the model's n weighted layers is split into its children, recursively. Blocks cannot be merged,
// so a model of many small blocks gets more than sqrt(n) segments; the recompute costs the same either way (one
// more forward of every checkpointed block), and the extra segment inputs are small next to what the blocks
// would otherwise keep. Single layers are never segments, and blocks that cannot be checkpointed are split.
// resnet18: 41 weighted layers, blocks of 8-10, giving layer1..layer4; the transformer fixture: 14, blocks of 6,
// giving encoder.layers.0 and encoder.layers.1.
std::vector<std::string> automaticCheckpointSegments(const Module& root)
{
    const double largest = 2.0 * std::sqrt(double(std::max(1, weightedLayers(root))));
    std::vector<std::string> segments;
    for (const auto& [path, block] : topLevelBlocks(root))
        chooseSegments(path, block, largest, &segments);
    return segments;
}

SegmentChoice parseSegmentChoice(const std::string& entry)
{
    SegmentChoice choice;
    const size_t open = entry.find('{');
    choice.path = entry.substr(0, open);
    if (open == std::string::npos)
        return choice;
    const size_t close = entry.find('}', open);
    if (close != entry.size() - 1)
        throw ProfileError(ExitBadInput,
            QStringLiteral("--checkpoint %1: write the layers a segment keeps as SEGMENT{LAYER+LAYER}")
                .arg(text(entry)));
    const QString kept = text(entry.substr(open + 1, close - open - 1));
    for (const QString& layer : kept.split(QLatin1Char('+'), Qt::SkipEmptyParts))
        choice.kept.push_back(layer.trimmed().toStdString());
    return choice;
}

// Selective checkpointing recomputes only cheap ops, so its segments can be small: the blocks inside each automatic
// segment (resnet18's layer1.0, layer1.1, ...; efficientnet_b0's features.2.0, ...), which keeps the recompute's
// transient small. A segment whose children are not all checkpointable blocks stays whole.
std::vector<std::string> selectiveCheckpointSegments(const Module& root)
{
    std::vector<std::string> segments;
    for (const std::string& path : automaticCheckpointSegments(root)) {
        const Module segment = *script::findModule(root, path);
        std::vector<std::string> blocks;
        bool allBlocks = true;
        for (const torch::jit::NameModule& child : segment.named_children()) {
            allBlocks = allBlocks && hasChildren(child.value) && whyNotCheckpointable(child.value).empty();
            blocks.push_back(joined(path, child.name));
        }
        if (allBlocks && blocks.size() > 1)
            segments.insert(segments.end(), blocks.begin(), blocks.end());
        else
            segments.push_back(path);
    }
    return segments;
}

TransformReport applyCheckpointing(Module& root, const std::vector<std::string>& segments)
{
    // Every segment is checked before anything changes, so a refusal leaves the model as it was.
    std::vector<std::pair<std::string, Module>> chosen;
    std::vector<std::vector<std::string>> keptLayers;
    for (const std::string& entry : segments) {
        const SegmentChoice choice = parseSegmentChoice(entry);
        const std::string& path = choice.path;
        if (std::any_of(chosen.begin(), chosen.end(), [&](const auto& segment) { return segment.first == path; }))
            continue;
        const std::optional<Module> module = script::findModule(root, path);
        if (!module) {
            QStringList topLevel;
            for (const torch::jit::NameModule& child : root.named_children())
                topLevel << text(child.name);
            throw ProfileError(ExitBadInput,
                QStringLiteral("--checkpoint %1 names no module of this model (its top-level modules are %2; "
                               "deeper ones are written with dots, e.g. %3)")
                    .arg(text(path), topLevel.join(QStringLiteral(", ")),
                        topLevel.isEmpty() ? QStringLiteral("block.0") : topLevel.first() + QStringLiteral(".0")));
        }
        const std::string reason = whyNotCheckpointable(*module);
        if (!reason.empty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("--checkpoint %1 cannot be checkpointed: %2").arg(text(path), text(reason)));
        chosen.emplace_back(path, *module);
        keptLayers.push_back(choice.kept);
    }

    TransformReport report;
    for (size_t i = 0; i < chosen.size(); ++i) {
        auto& [path, module] = chosen[i];
        rewriteForward(root, path, module);
        module.setattr(checkpointing::enabledAttribute, true);
        module.setattr(checkpointing::pathAttribute, path);
        std::string entry = path;
        if (!keptLayers[i].empty()) {
            keepLayerOutputs(root, module, keptLayers[i]);
            std::string kept;
            for (const std::string& layer : keptLayers[i])
                kept += (kept.empty() ? "" : "+") + layer;
            entry += "{" + kept + "}";
        }
        report.changed.push_back(entry); // as --checkpoint takes it, so a run says what its segments kept
    }
    for (const auto& [inner, innerModule] : chosen)
        for (const auto& [outer, outerModule] : chosen)
            if (isInside(inner, outer))
                report.notes.push_back(inner + " lies inside " + outer
                    + ", which is checkpointed too: its forward runs three times per step instead of two");
    if (!chosen.empty())
        report.notes.push_back("checkpointed segments keep only their inputs for backward and run their forward "
                               "again in backward");
    return report;
}

} // namespace memoscope
