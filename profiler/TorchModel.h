#pragma once
// A TorchScript model loaded for profiling: the module, its layer tree, and which layer owns each parameter
// and buffer.

#include "LayerTable.h"
#include "core/Run.h"

#include <torch/script.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace memoscope {

struct OwnedTensor {
    at::Tensor tensor;
    qint32 layerId = -1;
};

struct TorchModel {
    torch::jit::Module module;
    LayerTable layers;
    ModelInfo info;
    std::vector<OwnedTensor> parameters; // trainable parameters, in module order
    std::vector<OwnedTensor> stateTensors; // parameters and buffers, each storage once
    // Keyed as torch::optim keys its per-parameter state: the TensorImpl address as text.
    std::unordered_map<std::string, qint32> layerOfParameter;

    // Throws ProfileError(ExitBadInput) with a message saying what to do.
    static TorchModel load(const QString& path);
};

void* storageAddress(const at::Tensor& tensor);
qint64 storageBytes(const at::Tensor& tensor);

} // namespace memoscope
