#include "LayerForwards.h"

#include "ScriptEditing.h"

#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <sstream>

namespace memoscope::script {

using torch::jit::Module;

namespace {
    // A setting of the layer: a class constant (batch_first, hidden_size) or an attribute.
    c10::IValue setting(const Module& layer, const std::string& name)
    {
        if (layer.type()->hasConstant(name))
            return layer.type()->getConstant(name);
        return layer.hasattr(name) ? layer.attr(name) : c10::IValue();
    }

    void define(Module& layer, const std::string& name, const std::string& source)
    {
        try {
            defineMethod(layer, name, source);
        } catch (const std::exception& error) {
            if (std::getenv("MEMOSCOPE_DEBUG_CHANNELS"))
                std::fprintf(stderr, "%s\n%s\n", source.c_str(), error.what());
            throw;
        }
    }

    std::string literal(bool value) { return value ? "True" : "False"; }
    std::string literal(double value)
    {
        std::ostringstream out;
        out << std::setprecision(17) << value;
        const std::string text = out.str();
        return text.find_first_of(".e") == std::string::npos ? text + ".0" : text;
    }

    // Queries, keys and values from the packed in-projection (sliced in three, so each can lose whole heads) or
    // from their own projections.
    std::string projections(bool packed, bool biased)
    {
        const std::string bias = biased ? "bias" : "None";
        std::ostringstream s;
        if (biased)
            s << "    bias = self.in_proj_bias\n    assert bias is not None\n";
        if (packed)
            s << "    if same:\n"
              << "        q, k, v = torch.linear(query, self.in_proj_weight, " << bias << ").chunk(3, -1)\n"
              << "    else:\n"
              << "        w = self.in_proj_weight.chunk(3)\n"
              << (biased ? "        b = bias.chunk(3)\n" : "") << "        q = torch.linear(query, w[0], "
              << (biased ? "b[0]" : "None") << ")\n"
              << "        k = torch.linear(key, w[1], " << (biased ? "b[1]" : "None") << ")\n"
              << "        v = torch.linear(value, w[2], " << (biased ? "b[2]" : "None") << ")\n";
        else
            s << (biased ? "    b = bias.chunk(3)\n" : "") << "    q = torch.linear(query, self.q_proj_weight, "
              << (biased ? "b[0]" : "None") << ")\n"
              << "    k = torch.linear(key, self.k_proj_weight, " << (biased ? "b[1]" : "None") << ")\n"
              << "    v = torch.linear(value, self.v_proj_weight, " << (biased ? "b[2]" : "None") << ")\n";
        return s.str();
    }

    bool replaceAttention(Module& layer)
    {
        const bool packed = setting(layer, "_qkv_same_embed_dim").toBool();
        if (!setting(layer, "bias_k").isNone() || setting(layer, "add_zero_attn").toBool()
            || !setting(layer, "num_heads").isInt() || !setting(layer, "head_dim").isInt())
            return false;
        const bool biased = !setting(layer, "in_proj_bias").isNone();
        const bool batchFirst = setting(layer, "batch_first").toBool();
        std::ostringstream s;
        s << "def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Optional[Tensor]=None, "
             "need_weights: bool=True, attn_mask: Optional[Tensor]=None, average_attn_weights: bool=True) "
             "-> Tuple[Tensor, Optional[Tensor]]:\n"
          << "    same = query is key and key is value\n"
          << "    batched = query.dim() == 3\n"
          << "    if batched and " << literal(batchFirst) << ":\n"
          << "        query = query.transpose(0, 1)\n"
          << "        key = query if same else key.transpose(0, 1)\n"
          << "        value = query if same else value.transpose(0, 1)\n"
          << "    if not batched:\n"
          << "        query = query.unsqueeze(1)\n"
          << "        key = query if same else key.unsqueeze(1)\n"
          << "        value = query if same else value.unsqueeze(1)\n"
          << "        if key_padding_mask is not None:\n"
          << "            key_padding_mask = key_padding_mask.unsqueeze(0)\n"
          << "    target = query.size(0)\n"
          << "    batch = query.size(1)\n"
          << "    source = key.size(0)\n";
        s << projections(packed, biased);
        s << "    heads = self.num_heads\n"
          << "    size = self.head_dim\n"
          << "    q = q.contiguous().view(target, batch, heads, size).permute(1, 2, 0, 3)\n"
          << "    k = k.contiguous().view(source, batch, heads, size).permute(1, 2, 0, 3)\n"
          << "    v = v.contiguous().view(source, batch, heads, size).permute(1, 2, 0, 3)\n"
          << "    scores = torch.matmul(torch.div(q, torch.sqrt(size)), k.transpose(-2, -1))\n"
          << "    if attn_mask is not None:\n"
          << "        mask = attn_mask\n"
          << "        if mask.dim() == 3:\n"
          << "            mask = mask.view(batch, heads, target, source)\n"
          << "        if mask.is_floating_point():\n"
          << "            scores = scores + mask\n"
          << "        else:\n"
          << "            scores = scores.masked_fill(mask, float(\"-inf\"))\n"
          << "    if key_padding_mask is not None:\n"
          << "        padding = key_padding_mask.view(batch, 1, 1, source)\n"
          << "        if padding.is_floating_point():\n"
          << "            scores = scores + padding\n"
          << "        else:\n"
          << "            scores = scores.masked_fill(padding, float(\"-inf\"))\n"
          << "    weights = torch.softmax(scores, -1)\n"
          << "    if self.training and self.dropout > 0.0:\n"
          << "        weights = torch.dropout(weights, self.dropout, True)\n"
          << "    out = torch.matmul(weights, v).permute(2, 0, 1, 3).reshape(target, batch, -1)\n"
          << "    out = torch.linear(out, self.out_proj.weight, self.out_proj.bias)\n"
          << "    if batched and " << literal(batchFirst) << ":\n"
          << "        out = out.transpose(0, 1)\n"
          << "    if not batched:\n"
          << "        out = out.squeeze(1)\n"
          << "    if need_weights:\n"
          << "        if average_attn_weights:\n"
          << "            weights = weights.sum(1) / heads\n"
          << "        if not batched:\n"
          << "            weights = weights.squeeze(0)\n"
          << "        return out, weights\n"
          << "    return out, None\n";
        define(layer, "forward", s.str());
        return true;
    }

    // The method that takes a padded tensor (scripted RNNs overload forward for packed sequences too).
    std::string tensorForward(const Module& layer)
    {
        for (torch::jit::Function* method : layer.type()->methods()) {
            const auto& arguments = method->getSchema().arguments();
            if (method->name().rfind("forward", 0) == 0 && arguments.size() > 1
                && arguments[1].type()->kind() == c10::TypeKind::TensorType)
                return method->name();
        }
        return {};
    }

    bool replaceRecurrent(Module& layer)
    {
        const std::string mode = setting(layer, "mode").toStringRef();
        const std::string method = tensorForward(layer);
        if (method.empty() || setting(layer, "proj_size").toInt() != 0)
            return false;
        const bool lstm = mode == "LSTM";
        const std::string op = lstm ? "torch.lstm"
            : mode == "GRU"         ? "torch.gru"
            : mode == "RNN_TANH"    ? "torch.rnn_tanh"
                                    : "torch.rnn_relu";
        const bool batchFirst = setting(layer, "batch_first").toBool();
        const int64_t layers = setting(layer, "num_layers").toInt();
        const int64_t states = layers * (setting(layer, "bidirectional").toBool() ? 2 : 1);
        const int64_t hidden = setting(layer, "hidden_size").toInt();
        std::string weights;
        for (const c10::IValue& name : layer.attr("_flat_weights_names").toListRef())
            weights += (weights.empty() ? "self." : ", self.") + name.toStringRef();
        const std::string batchDim = batchFirst ? "0" : "1";
        const std::string state = lstm ? "Tuple[Tensor, Tensor]" : "Tensor";
        const std::string zeros = "torch.zeros([" + std::to_string(states) + ", batch, " + std::to_string(hidden)
            + "], dtype=input.dtype, device=input.device)";
        std::ostringstream s;
        s << "def " << method << "(self, input: Tensor, hx: Optional[" << state << "]=None) -> Tuple[Tensor, " << state
          << "]:\n"
          << "    batched = input.dim() == 3\n"
          << "    if not batched:\n"
          << "        input = input.unsqueeze(" << batchDim << ")\n"
          << "    batch = input.size(" << batchDim << ")\n"
          << "    if hx is None:\n"
          << (lstm ? "        h0 = " + zeros + "\n        c0 = " + zeros + "\n" : "        h0 = " + zeros + "\n")
          << "    else:\n"
          << (lstm ? "        h0, c0 = hx\n" : "        h0 = hx\n") << "        if not batched:\n"
          << "            h0 = h0.unsqueeze(1)\n"
          << (lstm ? "            c0 = c0.unsqueeze(1)\n" : "") << "    " << (lstm ? "output, hn, cn" : "output, hn")
          << " = " << op << "(input, " << (lstm ? "[h0, c0]" : "h0") << ", [" << weights << "], "
          << literal(setting(layer, "bias").toBool()) << ", " << layers << ", "
          << literal(setting(layer, "dropout").toDouble()) << ", self.training, "
          << literal(setting(layer, "bidirectional").toBool()) << ", " << literal(batchFirst) << ")\n"
          << "    if not batched:\n"
          << "        output = output.squeeze(" << batchDim << ")\n"
          << "        hn = hn.squeeze(1)\n"
          << (lstm ? "        cn = cn.squeeze(1)\n" : "") << "    return output, " << (lstm ? "(hn, cn)" : "hn")
          << "\n";
        define(layer, method, s.str());
        return true;
    }
}

std::vector<std::string> replaceLayerForwards(Module& root)
{
    std::vector<std::string> replaced;
    for (auto& [path, layer] : namedModules(root)) {
        const std::string type = className(layer);
        const bool done = type == "MultiheadAttention" ? replaceAttention(layer)
            : (type == "LSTM" || type == "GRU" || type == "RNN") && layer.hasattr("_flat_weights_names")
            ? replaceRecurrent(layer)
            : false;
        if (done)
            replaced.push_back(path);
    }
    return replaced;
}

void describeRewrittenLayer(Module& layer)
{
    const std::string type = className(layer);
    if (type == "MultiheadAttention") {
        const int64_t headSize = layer.attr("head_dim").toInt();
        const bool packed = layer.attr("_qkv_same_embed_dim").toBool();
        const at::Tensor queries
            = packed ? layer.attr("in_proj_weight").toTensor() : layer.attr("q_proj_weight").toTensor();
        const int64_t rows = packed ? queries.size(0) / 3 : queries.size(0);
        layer.setattr("num_heads", rows / headSize);
        layer.setattr("embed_dim", layer.attr("out_proj").toModule().attr("weight").toTensor().size(0));
        if (!packed) {
            layer.setattr("kdim", layer.attr("k_proj_weight").toTensor().size(1));
            layer.setattr("vdim", layer.attr("v_proj_weight").toTensor().size(1));
        } else {
            layer.setattr("kdim", queries.size(1));
            layer.setattr("vdim", queries.size(1));
        }
        return;
    }
    if (!layer.hasattr("_flat_weights_names"))
        return;
    c10::List<at::Tensor> weights;
    for (const c10::IValue& name : layer.attr("_flat_weights_names").toListRef())
        weights.push_back(layer.attr(name.toStringRef()).toTensor());
    layer.setattr("_flat_weights", weights);
    setConstant(layer, "hidden_size", layer.attr("weight_hh_l0").toTensor().size(1));
    setConstant(layer, "input_size", layer.attr("weight_ih_l0").toTensor().size(1));
}

} // namespace memoscope::script
