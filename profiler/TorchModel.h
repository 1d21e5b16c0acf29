#pragma once
// A TorchScript model loaded for profiling: the module, its layer tree, and which layer owns each parameter
// and buffer.

#include "LayerTable.h"
#include "core/ModelSignature.h"
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
    // Of info.paramBytes, the registered buffers (BatchNorm running statistics): state the model keeps in
    // memory, but not parameters as PyTorch's model.parameters() and pruning tools count them.
    qint64 bufferBytes = 0;
    qint64 parameterBytesWithoutBuffers() const { return info.paramBytes - bufferBytes; }
    // Of info.paramBytes and paramCount, the weights held as constants of the code or in packed objects
    // (frozen, mobile-optimized and traced files): weights all the same, though not registered as parameters.
    qint64 constantBytes = 0;
    qint64 constantCount = 0;
    // Operators of this model that Memoscope supplied because this LibTorch lacks them.
    QStringList suppliedOperators;
    // Keyed as torch::optim keys its per-parameter state: the TensorImpl address as text.
    std::unordered_map<std::string, qint32> layerOfParameter;

    // Loads torchvision's operators first when they are installed, and registers the newer operators Memoscope
    // supplies. Throws ProfileError(ExitBadInput) with a message saying what to do: which operators are missing
    // and what provides them, or which file format version is too new. A model Memoscope optimized says
    // which quantized engine it was packed for; that engine is selected before loading.
    // `followModelEngine` false keeps the engine already chosen (the user asked for one).
    static TorchModel load(const QString& path, bool followModelEngine = true);
    // The layer tree and tensors of a module already in memory (a transformed model before it is saved).
    static TorchModel wrap(const torch::jit::Module& module, const QString& path);
};

// Throws ProfileError(ExitBadInput) naming the record when the file is no TorchScript archive or a damaged one
// (a storage record shorter than its tensors, a record whose CRC-32 does not match, a missing record).
void checkModelFile(const QString& path);
QString notTorchScriptMessage(const QString& path, const QString& reason);
// What the module's forward takes and returns, from its TorchScript schema.
ModelSignature forwardSignature(const torch::jit::Module& module);

void* storageAddress(const at::Tensor& tensor);
qint64 storageBytes(const at::Tensor& tensor);

// Tensors held inside a custom-class object (packed quantized weights, recurrent cell parameters), found
// through its serialized state; empty for anything else.
std::vector<at::Tensor> tensorsInside(const c10::IValue& value);

} // namespace memoscope
