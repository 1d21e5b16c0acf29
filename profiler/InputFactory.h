#pragma once
// Makes the model's inputs (and labels) for each iteration from the user's specs (core/InputSpec): random
// tensors of a given shape, type and range, scalars, lists, tuples and dicts of them, or copies of tensors read
// from a file saved with Python's torch.save. Bound to a model, each spec fills one argument of its forward and
// is made as that argument's type asks.

#include "core/InputSpec.h"
#include "core/ModelSignature.h"

#include <torch/script.h>

#include <QStringList>
#include <map>
#include <vector>

namespace memoscope {

class InputFactory {
public:
    // Throws ProfileError(ExitBadInput) for a malformed spec or an unreadable file.
    InputFactory(const QStringList& inputSpecs, const QString& labelSpec);

    // Matches the specs to the arguments of the module's forward, in order: a spec that does not fit its
    // argument, too many specs, or too few for the arguments without defaults throw ProfileError(ExitBadInput)
    // naming the argument and its type. A file of several tensors fills as many Tensor arguments.
    void bindTo(const torch::jit::Module& module);

    std::vector<torch::jit::IValue> makeInputs() const; // fresh tensors on every call, as a new batch would be
    bool hasLabels() const { return m_labels.has_value(); }
    at::Tensor makeLabels() const;
    // Tensors read from files, kept for the whole run (they count as input memory from the start).
    std::vector<at::Tensor> fileTensors() const;
    QString describe() const; // "8x3x224x224:float32, int:16000" etc., for messages

private:
    struct Argument {
        InputSpec spec;
        c10::TypePtr type; // what forward asks for; null until bound
        int fileIndex = -1; // a File spec spread over several arguments: which of its tensors this one is
    };
    void readFiles(const InputSpec& spec);
    c10::IValue make(const InputSpec& spec, c10::TypePtr type, int fileIndex) const;
    c10::IValue makeFromFile(const InputSpec& spec, const c10::TypePtr& type, int fileIndex) const;
    c10::IValue makeContainer(const InputSpec& spec, const c10::TypePtr& type) const;

    std::vector<Argument> m_arguments;
    std::optional<InputSpec> m_labels;
    std::map<QString, std::vector<at::Tensor>> m_files; // path -> tensors, read once
};

at::ScalarType scalarTypeOf(const QString& dtype);
QString dtypeName(at::ScalarType type); // "float32", "bfloat16": as input specs write them

// From one input spec: the shape of one sample (the shape without its batch dimension) and the batch size;
// empty and 0 for anything but a tensor spec.
std::vector<int64_t> sampleShapeOf(const QString& spec);
int64_t batchSizeOf(const QString& spec);

} // namespace memoscope
