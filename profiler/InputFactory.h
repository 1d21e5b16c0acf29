#pragma once
// Makes the model's inputs (and labels) for each iteration from the user's specs: random tensors of a given
// shape, type and range, or copies of tensors read from a file saved with Python's torch.save.

#include "core/InputSpec.h"

#include <torch/script.h>

#include <QStringList>
#include <vector>

namespace memoscope {

class InputFactory {
public:
    // Throws ProfileError(ExitBadInput) for a malformed spec or an unreadable file.
    InputFactory(const QStringList& inputSpecs, const QString& labelSpec);

    std::vector<torch::jit::IValue> makeInputs() const; // fresh tensors on every call, as a new batch would be
    bool hasLabels() const { return m_labels.has_value(); }
    at::Tensor makeLabels() const;
    // Tensors read from files, kept for the whole run (they count as input memory from the start).
    std::vector<at::Tensor> fileTensors() const;
    QString describe() const; // "8x3x224x224:float32" etc., for messages

private:
    struct Source {
        InputSpec spec;
        std::vector<at::Tensor> fromFile;
    };
    static Source parseSource(const QString& text, const QString& what);
    static std::vector<at::Tensor> make(const Source& source);

    std::vector<Source> m_inputs;
    std::optional<Source> m_labels;
};

at::ScalarType scalarTypeOf(const QString& dtype);
QString dtypeName(at::ScalarType type); // "float32", "bfloat16": as input specs write them

// From one input spec: the shape of one sample (the shape without its batch dimension) and the batch size;
// empty and 0 for a tensor file or a spec that does not parse.
std::vector<int64_t> sampleShapeOf(const QString& spec);
int64_t batchSizeOf(const QString& spec);

} // namespace memoscope
