#pragma once
// Memoscope's own forward methods for PyTorch layers whose scripted code reads their widths as constants or
// ties them together, so that pruning can change them:
// - nn.MultiheadAttention computes each head's size from the embedding width it is given and packs queries,
//   keys and values in a view of that width; its forward here splits the packed projection in three, lays out
//   heads with the module's num_heads and head_dim, and gives the same results (float rounding aside).
// - nn.LSTM, nn.GRU and nn.RNN compile hidden_size and input_size in as constants (zero state, checks); the
//   forward here makes the zero state and calls the same op with the module's own weights.
// Layers with options these forwards do not cover (bias_k, add_zero_attn, proj_size) keep theirs.

#include <torch/script.h>

#include <string>
#include <vector>

namespace memoscope::script {

// Replaces the forward of every such layer under root; returns their module paths.
std::vector<std::string> replaceLayerForwards(torch::jit::Module& root);

// After pruning: the attributes and constants these layers describe themselves with (num_heads, embed_dim,
// hidden_size, input_size, _flat_weights), taken from their tensors.
void describeRewrittenLayer(torch::jit::Module& layer);

} // namespace memoscope::script
