#pragma once
// Lower-precision copies of a model for inference.
// bf16: parameters, buffers and compute in bfloat16; the model casts its inputs on entry and its outputs back
//       to float32; excluded layers (normalisation, say) keep float32 and cast around themselves.
// fp16: float16 storage only. This CPU build has no float16 kernels for matmul, convolution or LayerNorm, so
//       each layer converts its weights to float32 when it runs and computes in float32.

#include "Transform.h"

#include <torch/script.h>

namespace memoscope {

TransformReport convertToBf16(torch::jit::Module& root, const TransformOptions& options);
TransformReport storeInFp16(torch::jit::Module& root, const TransformOptions& options);

} // namespace memoscope
