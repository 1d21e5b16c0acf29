#include "FusedFastPaths.h"

#include "GraphRewrite.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>

namespace memoscope::script {

using namespace torch::jit;

int disableFusedFastPaths(const std::vector<std::shared_ptr<Graph>>& graphs)
{
    static const Symbol fused[] = { Symbol::fromQualString("aten::_transformer_encoder_layer_fwd"),
        Symbol::fromQualString("aten::_native_multi_head_attention") };
    int disabled = 0;
    for (const auto& graph : graphs) {
        forEachNode(graph->block(), [&](Node* node) {
            if (std::find(std::begin(fused), std::end(fused), node->kind()) == std::end(fused))
                return;
            // The outermost If around the fused call: it also holds the checks that read every weight (their
            // device, whether they need gradients), which are pointless once the fused call is off.
            Node* choice = nullptr;
            Block* branch = nullptr;
            for (Block* block = node->owningBlock(); block->owningNode(); block = block->owningNode()->owningBlock()) {
                if (block->owningNode()->kind() == prim::If) {
                    choice = block->owningNode();
                    branch = block;
                }
            }
            if (!choice)
                return;
            const bool inThen = branch == choice->blocks()[0];
            WithInsertPoint guard(choice);
            choice->replaceInput(0, graph->insertConstant(!inThen));
            ++disabled;
        });
        EliminateDeadCode(graph);
    }
    return disabled;
}

} // namespace memoscope::script
