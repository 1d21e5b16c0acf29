#include "SuppliedOperators.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <mutex>

namespace memoscope {

namespace {
    constexpr double minusInfinity = -std::numeric_limits<double>::infinity();

    // PyTorch 2.0's F.scaled_dot_product_attention (2.5 added enable_gqa), as its math reference computes it:
    // softmax(Q K^T * scale + mask) V. A boolean mask keeps where true; any other mask is added to the scores.
    // Dropout applies whenever dropout_p > 0: callers pass 0 outside training, as 2.x's layers do.
    at::Tensor scaledDotProductAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
        const c10::optional<at::Tensor>& attnMask, double dropoutP, bool isCausal, c10::optional<double> scale,
        bool enableGqa)
    {
        at::Tensor keys = key;
        at::Tensor values = value;
        if (enableGqa && query.dim() >= 3 && key.size(-3) != query.size(-3)) {
            // Grouped-query attention: each key/value head serves a group of query heads.
            TORCH_CHECK(query.size(-3) % key.size(-3) == 0, "scaled_dot_product_attention: the number of query heads (",
                query.size(-3), ") must be a multiple of the key/value heads (", key.size(-3), ") with enable_gqa");
            const int64_t groups = query.size(-3) / key.size(-3);
            keys = keys.repeat_interleave(groups, -3);
            values = values.repeat_interleave(groups, -3);
        }
        const double factor = scale.has_value() ? *scale : 1.0 / std::sqrt(double(query.size(-1)));
        at::Tensor scores = at::matmul(query, keys.transpose(-2, -1)) * factor;
        const bool masked = attnMask.has_value() && attnMask->defined();
        if (isCausal) {
            TORCH_CHECK(
                !masked, "scaled_dot_product_attention: an explicit attn_mask must not be set when is_causal=True");
            const at::Tensor keep
                = at::ones({ query.size(-2), keys.size(-2) }, query.options().dtype(at::kBool)).tril();
            scores = scores.masked_fill(keep.logical_not(), minusInfinity);
        }
        if (masked)
            scores = attnMask->scalar_type() == at::kBool ? scores.masked_fill(attnMask->logical_not(), minusInfinity)
                                                          : scores + *attnMask;
        at::Tensor weights = at::softmax(scores, -1);
        if (dropoutP > 0.0)
            weights = at::dropout(weights, dropoutP, /*train=*/true);
        return at::matmul(weights, values);
    }

    // PyTorch 2.4's F.rms_norm: x / sqrt(mean(x^2 over the normalized dims) + eps), times weight. eps defaults
    // to the machine epsilon of the input's type; low-precision inputs are normalized in float32.
    at::Tensor rmsNorm(const at::Tensor& input, at::IntArrayRef normalizedShape,
        const c10::optional<at::Tensor>& weight, c10::optional<double> eps)
    {
        const int64_t count = int64_t(normalizedShape.size());
        TORCH_CHECK(count <= input.dim() && input.sizes().slice(size_t(input.dim() - count)).equals(normalizedShape),
            "rms_norm: normalized_shape ", normalizedShape, " does not match the input's last dimensions ",
            input.sizes());
        std::vector<int64_t> dims;
        for (int64_t i = input.dim() - count; i < input.dim(); ++i)
            dims.push_back(i);
        const bool lowPrecision = input.scalar_type() == at::kHalf || input.scalar_type() == at::kBFloat16;
        const at::Tensor x = lowPrecision ? input.to(at::kFloat) : input;
        const double epsilon = eps.has_value()   ? *eps
            : input.scalar_type() == at::kDouble ? std::numeric_limits<double>::epsilon()
                                                 : double(std::numeric_limits<float>::epsilon());
        at::Tensor normalized = x * at::rsqrt(x.pow(2).mean(dims, /*keepdim=*/true) + epsilon);
        normalized = normalized.to(input.scalar_type());
        if (weight.has_value() && weight->defined())
            normalized = normalized * *weight;
        return normalized;
    }

    // PyTorch 2.1's nonzero_static: nonzero's indices cut or padded (with fill_value) to `size` rows, so the
    // output's shape does not depend on the data.
    at::Tensor nonzeroStatic(const at::Tensor& self, int64_t size, int64_t fillValue)
    {
        const at::Tensor found = at::nonzero(self);
        const int64_t rows = found.size(0);
        if (rows >= size)
            return found.slice(0, 0, size);
        return at::cat({ found, at::full({ size - rows, found.size(1) }, fillValue, found.options()) }, 0);
    }

    struct Supplied {
        const char* name;
        const char* schema;
        std::function<void(torch::Library&, const char*)> define;
    };

    const std::vector<Supplied>& supplied()
    {
        static const std::vector<Supplied> operators = {
            { "aten::scaled_dot_product_attention",
                "scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
                "float dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor",
                [](torch::Library& library, const char* schema) {
                    library.def(schema,
                        torch::dispatch(
                            c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(scaledDotProductAttention)));
                } },
            { "aten::rms_norm",
                "rms_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, float? eps=None) -> Tensor",
                [](torch::Library& library, const char* schema) {
                    library.def(
                        schema, torch::dispatch(c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(rmsNorm)));
                } },
            { "aten::nonzero_static", "nonzero_static(Tensor self, *, int size, int fill_value=-1) -> Tensor",
                [](torch::Library& library, const char* schema) {
                    library.def(
                        schema, torch::dispatch(c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(nonzeroStatic)));
                } },
        };
        return operators;
    }

    QStringList& registered()
    {
        static QStringList names;
        return names;
    }
}

void supplyMissingOperators()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Kept for the process's lifetime: destroying a Library deregisters what it defined.
        static torch::Library* library
            = new torch::Library(torch::Library::FRAGMENT, "aten", c10::nullopt, __FILE__, __LINE__);
        for (const Supplied& op : supplied()) {
            // Only where LibTorch has no version of its own (any overload of the name).
            if (c10::Dispatcher::singleton().findOp(c10::OperatorName(op.name, "")).has_value())
                continue;
            op.define(*library, op.schema);
            registered() << QString::fromLatin1(op.name);
        }
    });
}

QStringList suppliedOperators() { return registered(); }

QStringList suppliableOperators()
{
    QStringList names;
    for (const Supplied& op : supplied())
        names << QString::fromLatin1(op.name);
    return names;
}

} // namespace memoscope
