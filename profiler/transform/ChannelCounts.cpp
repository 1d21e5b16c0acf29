#include "ChannelCounts.h"

#include "GraphRewrite.h"
#include "ScriptEditing.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <cstdio>
#include <cstdlib>
#include <set>

namespace memoscope {

using namespace torch::jit;

namespace {
    int64_t keptCount(const std::vector<int>& units, const std::vector<bool>& keep)
    {
        return std::count_if(units.begin(), units.end(), [&](int u) { return u < 0 || keep[size_t(u)]; });
    }

    // torch.chunk's parts of `total`: equal parts of ceil(total / chunks), the last one smaller.
    std::vector<int64_t> chunked(int64_t total, int64_t step)
    {
        std::vector<int64_t> parts;
        for (int64_t left = total; left > 0; left -= step)
            parts.push_back(std::min(step, left));
        return parts;
    }

    class CountEditor {
    public:
        CountEditor(Module& root, const std::vector<TracedRun>& runs, const std::vector<bool>& keep)
            : m_root(root)
            , m_runs(runs)
            , m_keep(keep)
            , m_instances(script::instancesByType(root))
        {
        }
        void size(const SizeArgument& s);
        void parts(const ChannelParts& p);
        HeldUnits finish();

    private:
        Node* nodeOf(const TracedOp& op);
        void hold(const std::vector<int>& units, const std::string& reason);
        void replace(Node* user, size_t input, const c10::IValue& value);
        bool readsAttribute(Value* element, const SizeArgument& s, int64_t value);

        Module& m_root;
        const std::vector<TracedRun>& m_runs;
        const std::vector<bool>& m_keep;
        script::InstancesByType m_instances;
        std::map<std::pair<std::string, std::string>, std::pair<int64_t, std::vector<int>>> m_attributes;
        std::set<Block*> m_touched;
        HeldUnits m_held;
    };

    Node* CountEditor::nodeOf(const TracedOp& op)
    {
        const std::optional<Module> module = script::findModule(m_root, op.layer);
        if (!op.source || !module)
            return nullptr;
        const Symbol kind = Symbol::fromQualString(op.name);
        const SourceRange& place = *op.source;
        std::vector<Node*> found;
        for (Function* method : module->type()->methods())
            script::forEachNode(toGraphFunction(*method).graph()->block(), [&](Node* node) {
                if (node->kind() != kind)
                    return;
                const SourceRange range = node->sourceRange();
                if (range.start() == place.start() && range.end() == place.end() && range.source() && place.source()
                    && (range.source() == place.source() || range.text().str() == place.text().str()))
                    found.push_back(node);
            });
        return found.size() == 1 ? found.front() : nullptr;
    }

    void CountEditor::hold(const std::vector<int>& units, const std::string& reason)
    {
        for (int unit : units)
            if (unit >= 0 && !m_keep[size_t(unit)])
                m_held.emplace(unit, reason);
    }

    void CountEditor::replace(Node* user, size_t input, const c10::IValue& value)
    {
        WithInsertPoint guard(user);
        user->replaceInput(input, user->owningGraph()->insertConstant(value));
        m_touched.insert(user->owningGraph()->block());
    }

    // An element read from a module's int attribute (self.num_heads, self.hidden_dim): the attribute is set.
    bool CountEditor::readsAttribute(Value* element, const SizeArgument& s, int64_t value)
    {
        Node* read = element->node();
        if (read->kind() != prim::GetAttr || element->type()->kind() != c10::TypeKind::IntType)
            return false;
        const script::ModuleInstance* instance = script::moduleOf(read->input(), m_instances);
        if (!instance)
            return false;
        const auto key = std::make_pair(instance->path, read->s(attr::name));
        const auto [it, added] = m_attributes.emplace(key, std::make_pair(value, s.units));
        if (!added && it->second.first != value) {
            hold(s.units, "the code reads their count from " + key.second + ", which other counts read too");
            hold(it->second.second, "the code reads their count from " + key.second + ", which other counts read too");
        }
        return true;
    }

    void CountEditor::size(const SizeArgument& s)
    {
        const TracedOp& op = m_runs[s.run].ops[s.op];
        const int64_t value = keptCount(s.units, m_keep);
        const c10::IValue& argument = op.arguments[s.argument];
        const int64_t old = s.element < 0 ? argument.toInt() : argument.toIntVector()[size_t(s.element)];
        if (value == old)
            return;
        Node* node = nodeOf(op);
        if (!node) {
            hold(s.units, "the code that passes their count to " + op.name + " could not be found");
            return;
        }
        Value* given = node->input(s.argument);
        Node* user = node; // the node whose input holds the count
        size_t input = s.argument;
        if (s.element >= 0) {
            if (given->node()->kind() != prim::ListConstruct) {
                if (const auto constant = toIValue(given)) {
                    std::vector<int64_t> values = constant->toIntVector();
                    values[size_t(s.element)] = value;
                    replace(node, s.argument, values);
                } else {
                    hold(s.units, "their count is part of a size list the code computes whole (" + op.name + ")");
                }
                return;
            }
            user = given->node();
            input = size_t(s.element);
        }
        Value* element = user->input(input);
        if (readsAttribute(element, s, value))
            return;
        if (toIValue(element) || !s.dependsOnInput) {
            replace(user, input, value);
            return;
        }
        // It counts the batch too (x.view(N * H, ...)): only -1 can say that, and only once per size list.
        const bool inferred = user != node && std::any_of(user->inputs().begin(), user->inputs().end(), [](Value* v) {
            const auto constant = toIValue(v);
            return constant && constant->isInt() && constant->toInt() == -1;
        });
        if (user == node || inferred)
            hold(s.units, "their count in " + op.name + " also counts the batch, in code Memoscope cannot rewrite");
        else
            replace(user, input, int64_t(-1));
    }

    void CountEditor::parts(const ChannelParts& p)
    {
        const TracedOp& op = m_runs[p.run].ops[p.op];
        std::vector<int64_t> sizes;
        std::vector<int> all;
        for (const std::vector<int>& part : p.parts) {
            sizes.push_back(keptCount(part, m_keep));
            all.insert(all.end(), part.begin(), part.end());
        }
        const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t(0));
        const bool chunk = op.name.find("chunk") != std::string::npos;
        const int64_t chunks = op.arguments[1].toInt();
        if (chunk && chunked(total, (total + chunks - 1) / chunks) == sizes)
            return; // still even
        if (!chunk && chunked(total, op.arguments[1].toInt()) == sizes)
            return;
        Node* node = nodeOf(op);
        if (std::getenv("MEMOSCOPE_DEBUG_CHANNELS"))
            std::fprintf(stderr, "parts of %s in %s: %s, node %s\n", op.name.c_str(), op.layer.c_str(),
                c10::str(sizes).c_str(), node ? "found" : "missing");
        if (!node) {
            hold(all, "the code that splits them (" + op.name + ") could not be found");
            return;
        }
        Graph* graph = node->owningGraph();
        WithInsertPoint guard(node);
        Value* list = graph->insertConstant(c10::IValue(sizes));
        Value* split
            = graph->insert(Symbol::fromQualString("aten::split_with_sizes"), { node->input(0), list, node->input(2) });
        node->output()->replaceAllUsesWith(split);
        node->destroy();
        m_touched.insert(graph->block());
    }

    HeldUnits CountEditor::finish()
    {
        for (const auto& [key, setting] : m_attributes)
            script::findModule(m_root, key.first)->setattr(key.second, setting.first);
        for (Block* block : m_touched)
            EliminateDeadCode(block);
        return m_held;
    }
}

HeldUnits updateChannelCounts(
    Module& root, const std::vector<TracedRun>& runs, const ChannelAnalysis& analysis, const std::vector<bool>& keep)
{
    // The same call in the eval and the training run is edited once.
    std::set<std::tuple<std::string, size_t, size_t, size_t, int>> seen;
    const auto first = [&](size_t run, size_t op, size_t argument, int element) {
        const TracedOp& traced = runs[run].ops[op];
        if (!traced.source)
            return true;
        return seen.emplace(traced.layer, traced.source->start(), traced.source->end(), argument, element).second;
    };
    CountEditor editor(root, runs, keep);
    for (const ChannelParts& p : analysis.parts)
        if (first(p.run, p.op, 0, -2))
            editor.parts(p);
    for (const SizeArgument& s : analysis.sizes)
        if (first(s.run, s.op, s.argument, s.element))
            editor.size(s);
    return editor.finish();
}

} // namespace memoscope
