#pragma once
// int8 weight-only storage: every float weight of two or more dimensions (Linear, convolution, embedding)
// is kept as int8 with per-channel scales, and turned back into float32 where it is read. The exported file
// and the weights at rest shrink to about a quarter; compute stays float32, so while a layer runs its float
// weights exist for a moment.

#include "Transform.h"

#include <torch/script.h>

namespace memoscope {

TransformReport storeWeightsInInt8(torch::jit::Module& root, const TransformOptions& options);

} // namespace memoscope
