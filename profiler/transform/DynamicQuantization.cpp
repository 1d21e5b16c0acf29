#include "DynamicQuantization.h"

#include "FusedFastPaths.h"
#include "GraphRewrite.h"
#include "Int8Weights.h"
#include "ScriptEditing.h"

#include <algorithm>
#include <map>

namespace memoscope {

using namespace torch::jit;
using script::ModuleInstance;

namespace {
    const Symbol linearDynamic = Symbol::fromQualString("quantized::linear_dynamic");
    const Symbol linearUnpack = Symbol::fromQualString("quantized::linear_unpack");

    // A tensor read from a module attribute: where it lives.
    struct AttributeSource {
        const ModuleInstance* owner = nullptr;
        std::string name;
        Value* ownerValue = nullptr;
    };

    std::optional<AttributeSource> attributeSource(Value* value, const script::InstancesByType& instances)
    {
        value = script::refinedSource(value);
        Node* read = value->node();
        if (read->kind() != prim::GetAttr)
            return std::nullopt;
        const ModuleInstance* owner = script::moduleOf(read->input(), instances);
        if (!owner)
            return std::nullopt;
        return AttributeSource { owner, read->s(attr::name), read->input() };
    }

    class DynamicQuantizer {
    public:
        DynamicQuantizer(Module& root, const TransformOptions& options, TransformReport& report)
            : m_options(options)
            , m_report(report)
            , m_instances(script::instancesByType(root))
            , m_graphs(script::methodGraphs(root))
        {
        }

        void run()
        {
            for (const auto& graph : m_graphs)
                script::inlineFunctionCalls(*graph);
            std::vector<Node*> linears;
            std::vector<Node*> recurrents;
            for (const auto& graph : m_graphs)
                script::forEachNode(graph->block(), [&](Node* node) {
                    if (node->kind() == aten::linear)
                        linears.push_back(node);
                    else if (node->kind() == aten::lstm || node->kind() == aten::gru)
                        recurrents.push_back(node);
                });
            for (Node* node : linears)
                rewriteLinear(node);
            for (Node* node : recurrents)
                rewriteRecurrent(node);
            dropLinearWeights();
            dropRecurrentWeights();
            if (!m_linearPacks.empty() || !m_recurrent.empty())
                script::disableFusedFastPaths(m_graphs);
        }

    private:
        using WeightKey = std::pair<const ModuleInstance*, std::string>;

        // Where an op runs, for messages: the module whose method holds it.
        std::string siteOf(Node* node)
        {
            const auto& inputs = node->owningGraph()->inputs();
            const ModuleInstance* module = inputs.empty() ? nullptr : script::moduleOf(inputs[0], m_instances);
            return module ? module->path : std::string("<function>");
        }

        void markChanged(const std::string& layer)
        {
            if (std::find(m_report.changed.begin(), m_report.changed.end(), layer) == m_report.changed.end())
                m_report.changed.push_back(layer);
        }

        // The packed attribute for this weight with this bias, made on first use.
        std::string packedAttribute(const AttributeSource& weight, const at::Tensor& value,
            const std::optional<at::Tensor>& bias, const std::string& biasKey)
        {
            const WeightKey key { weight.owner, weight.name };
            auto& packs = m_linearPacks[key];
            const auto known = packs.find(biasKey);
            if (known != packs.end())
                return known->second;
            const std::string name = "_memoscope_int8_" + weight.name + (packs.empty() ? "" : "_" + std::to_string(packs.size()));
            const IValue params = int8::packLinear(int8::quantizeWeight(value, m_options.perChannel),
                bias ? c10::optional<at::Tensor>(*bias) : c10::nullopt);
            Module owner = weight.owner->module;
            owner.register_attribute(name, params.type(), params);
            packs.emplace(biasKey, name);
            markChanged(weight.owner->path);
            return name;
        }

        void rewriteLinear(Node* node)
        {
            const auto weight = attributeSource(node->input(1), m_instances);
            if (!weight) {
                m_report.skip(siteOf(node), "a linear op whose weight is computed, not a parameter: left in float");
                return;
            }
            const std::string layer = weight->owner->path;
            if (m_options.isExcluded(layer)) {
                m_report.skip(layer, "excluded");
                return;
            }
            const IValue value = weight->owner->module.attr(weight->name);
            if (value.isNone())
                return; // an optional weight this model does not have: its branch never runs
            if (!value.isTensor() || value.toTensor().dim() != 2 || !value.toTensor().is_floating_point()) {
                m_report.skip(layer, "its linear weight '" + weight->name + "' is not a 2-D float tensor");
                return;
            }
            std::optional<at::Tensor> bias;
            std::string biasKey = "none";
            if (!node->input(2)->mustBeNone()) {
                const auto source = attributeSource(node->input(2), m_instances);
                const IValue biasValue = source ? source->owner->module.attr(source->name) : IValue();
                if (!biasValue.isTensor()) {
                    m_report.skip(layer, "its linear bias is computed, not a parameter: left in float");
                    return;
                }
                bias = biasValue.toTensor();
                biasKey = source->owner->path + "." + source->name;
            }
            const std::string packed = packedAttribute(*weight, value.toTensor(), bias, biasKey);

            Graph& graph = *node->owningGraph();
            WithInsertPoint guard(node);
            Value* params = graph.insertGetAttr(weight->ownerValue, packed);
            Value* output = graph.insert(linearDynamic, { node->input(0), params, m_options.reduceRange });
            node->output()->replaceAllUsesWith(output);
            node->destroy();
        }

        void rewriteRecurrent(Node* node);

        // Other reads of a quantized weight get the int8 weight from its packed copy, dequantized only where
        // its values are used; then the float parameter goes, which is where the memory is saved.
        void dropLinearWeights()
        {
            for (const auto& [key, packs] : m_linearPacks) {
                const auto& [owner, name] = key;
                const std::string packed = packs.begin()->second;
                script::StoredWeight stored;
                stored.storedRead = [&](Graph& graph, Value* module, Value*) {
                    Value* params = graph.insertGetAttr(module, packed);
                    Node* unpack = graph.insertNode(graph.create(linearUnpack, { params }, 2));
                    unpack->output(0)->setType(c10::TensorType::get());
                    unpack->output(1)->setType(c10::OptionalType::ofTensor());
                    return unpack->output(0); // the int8 weight itself, not a copy
                };
                stored.convert = [](Graph& graph, Value*, Value* int8) { return graph.insert(aten::dequantize, { int8 }); };
                script::convertAttributeAtUses(m_graphs, owner->module.type().get(), name, stored);
                Module module = owner->module;
                script::replaceTensorAttribute(module, name, std::nullopt);
            }
        }

        // A recurrent module's float weights are its parameters and the _flat_weights list holding them. The
        // list is emptied; a parameter something else still reads stays, and the report says so.
        void dropRecurrentWeights()
        {
            for (const ModuleInstance* owner : m_recurrent) {
                Module module = owner->module;
                module._ivalue()->setAttr("_flat_weights", c10::List<at::Tensor>());
                std::vector<std::string> names; // first: removing attributes while listing them skips some
                for (const auto& parameter : module.named_parameters(/*recurse=*/false))
                    names.push_back(parameter.name);
                for (const std::string& name : names) {
                    bool read = false;
                    for (Node* node : script::attributeReads(m_graphs, module.type().get(), name))
                        read = read || node->output()->hasUses();
                    if (read)
                        m_report.notes.push_back(owner->path + "." + name + " is read outside the recurrent op, "
                                                                            "so its float copy is kept");
                    else
                        script::replaceTensorAttribute(module, name, std::nullopt);
                }
            }
        }

        const TransformOptions& m_options;
        TransformReport& m_report;
        script::InstancesByType m_instances;
        std::vector<std::shared_ptr<Graph>> m_graphs;
        std::map<WeightKey, std::map<std::string, std::string>> m_linearPacks; // weight -> bias key -> attribute
        std::vector<const ModuleInstance*> m_recurrent;
    };

    void DynamicQuantizer::rewriteRecurrent(Node* node)
    {
        // aten::lstm / aten::gru, overloads .input(input, hx, params[], ...) and .data(data, batch_sizes, hx,
        // params[], ...) for packed sequences, with params read from the module's own _flat_weights list.
        const bool lstm = node->kind() == aten::lstm;
        const std::string kind = lstm ? "LSTM" : "GRU";
        const bool packedSequence = node->maybeSchema() && node->schema().overload_name() == "data";
        const size_t paramsIndex = packedSequence ? 3 : 2;
        const auto source = attributeSource(node->input(paramsIndex), m_instances);
        if (!source || source->name != "_flat_weights") {
            m_report.skip(siteOf(node), "a " + kind + " op on weights of its own, not its module's: left in float");
            return;
        }
        const ModuleInstance* owner = source->owner;
        if (m_options.isExcluded(owner->path)) {
            m_report.skip(owner->path, "excluded");
            return;
        }
        Module module = owner->module;
        if (!module.attr("bias").toBool()) {
            m_report.skip(owner->path, kind + " without biases: the quantized kernel needs them");
            return;
        }
        const std::string cellsName = "_memoscope_int8_cells";
        if (!module.hasattr(cellsName)) {
            const int64_t layers = module.attr("num_layers").toInt();
            const std::vector<std::string> directions = module.attr("bidirectional").toBool()
                ? std::vector<std::string> { "", "_reverse" }
                : std::vector<std::string> { "" };
            std::vector<IValue> cells;
            for (int64_t layer = 0; layer < layers; ++layer)
                for (const std::string& direction : directions) {
                    const std::string l = std::to_string(layer) + direction;
                    cells.push_back(int8::packRecurrentCell(module.attr("weight_ih_l" + l).toTensor(),
                        module.attr("weight_hh_l" + l).toTensor(), module.attr("bias_ih_l" + l).toTensor(),
                        module.attr("bias_hh_l" + l).toTensor(), m_options.perChannel, m_options.reduceRange));
                }
            c10::impl::GenericList list(cells.front().type());
            for (const IValue& cell : cells)
                list.push_back(cell);
            module.register_attribute(cellsName, c10::ListType::create(cells.front().type()), list);
            m_recurrent.push_back(owner);
            markChanged(owner->path);
        }

        Graph& graph = *node->owningGraph();
        WithInsertPoint guard(node);
        std::vector<Value*> inputs(node->inputs().begin(), node->inputs().end());
        inputs[paramsIndex] = graph.insertGetAttr(source->ownerValue, cellsName);
        if (lstm) {
            inputs.push_back(graph.insertConstant(IValue(c10::ScalarType::QInt8))); // dtype
            inputs.push_back(graph.insertConstant(true)); // use_dynamic
        }
        const Symbol quantized = Symbol::fromQualString(lstm ? "aten::quantized_lstm" : "aten::quantized_gru");
        Node* replacement = graph.create(quantized, inputs, node->outputs().size());
        for (size_t i = 0; i < node->outputs().size(); ++i)
            replacement->output(i)->setType(node->output(i)->type());
        graph.insertNode(replacement);
        node->replaceAllUsesWith(replacement);
        node->destroy();
    }
}

TransformReport quantizeDynamicInt8(Module& root, const TransformOptions& options)
{
    TransformReport report;
    script::uniquifyTypes(root);
    DynamicQuantizer(root, options, report).run();
    // Branches that slice a quantized weight (cross-attention in nn.MultiheadAttention) read it dequantized;
    // for a layer that was quantized that is a detail, not a skipped layer.
    const std::string computed = "a linear op whose weight is computed, not a parameter: left in float";
    for (auto it = report.skipped.begin(); it != report.skipped.end();) {
        const bool changed = std::find(report.changed.begin(), report.changed.end(), it->layer) != report.changed.end();
        if (changed && it->reason == computed) {
            report.notes.push_back(it->layer + ": linear ops on slices of its weight (branches such as "
                "cross-attention) compute in float from the dequantized weight");
            it = report.skipped.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [path, module] : script::namedModules(root)) {
        const std::string type = script::className(module);
        const bool changed = std::find(report.changed.begin(), report.changed.end(), path) != report.changed.end();
        if (!changed && !options.isExcluded(path) && (type == "Linear" || type == "LSTM" || type == "GRU"))
            report.skip(path, "its weights are never used by a linear or recurrent op the model runs");
    }
    return report;
}

} // namespace memoscope
