#include "InputFactory.h"

#include "ProfileError.h"

#include <QFile>
#include <torch/serialize.h>
#include <torch/torch.h>

namespace memoscope {

namespace {
    // The names users write in input specs (InputSpec::dtypeNames()), and the run reports for each phase.
    const std::pair<const char*, at::ScalarType> dtypeNames[] = { { "float32", at::kFloat }, { "float64", at::kDouble },
        { "float16", at::kHalf }, { "bfloat16", at::kBFloat16 }, { "int64", at::kLong }, { "int32", at::kInt },
        { "int16", at::kShort }, { "int8", at::kChar }, { "uint8", at::kByte }, { "bool", at::kBool } };
}

at::ScalarType scalarTypeOf(const QString& dtype)
{
    for (const auto& [name, type] : dtypeNames)
        if (dtype == QLatin1String(name))
            return type;
    return at::kFloat;
}

QString dtypeName(at::ScalarType type)
{
    for (const auto& [name, known] : dtypeNames)
        if (known == type)
            return QString::fromLatin1(name);
    return QString::fromLatin1(c10::toString(type));
}

namespace {
    std::vector<at::Tensor> readTensorFile(const QString& path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            throw ProfileError(ExitBadInput, QStringLiteral("cannot read the tensor file %1").arg(path));
        const QByteArray bytes = file.readAll();
        torch::IValue value;
        try {
            value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
        } catch (const std::exception& error) {
            throw ProfileError(ExitBadInput,
                QStringLiteral("%1 is not a tensor file Memoscope can read (%2). Save a tensor, or a tuple or list "
                               "of tensors, with torch.save in Python; dicts are not readable by LibTorch 1.13")
                    .arg(path, shortTorchMessage(error)));
        }
        std::vector<at::Tensor> tensors;
        if (value.isTensor()) {
            tensors.push_back(value.toTensor());
        } else if (value.isTuple() || value.isList()) {
            const auto elements = value.isTuple() ? value.toTupleRef().elements().vec() : value.toListRef().vec();
            for (const auto& element : elements) {
                if (!element.isTensor())
                    throw ProfileError(ExitBadInput,
                        QStringLiteral("%1 holds a %2 among its tensors; save only tensors")
                            .arg(path, QString::fromStdString(element.tagKind())));
                tensors.push_back(element.toTensor());
            }
        }
        if (tensors.empty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("%1 holds a %2, not a tensor or a tuple of tensors")
                    .arg(path, QString::fromStdString(value.tagKind())));
        return tensors;
    }

    at::Tensor randomTensor(const InputSpec& spec)
    {
        const std::vector<int64_t> shape(spec.shape.begin(), spec.shape.end());
        const at::ScalarType type = scalarTypeOf(spec.dtype);
        if (InputSpec::isIntegerType(spec.dtype)) {
            const int64_t low = spec.hasRange ? int64_t(spec.low) : 0;
            const int64_t high = spec.hasRange ? int64_t(spec.high) : (type == at::kBool ? 1 : 9);
            return torch::empty(shape, torch::dtype(type)).random_(low, high + 1);
        }
        // LibTorch 1.13 has no CPU random kernels for float16: draw in float32 and convert.
        const at::ScalarType drawType = type == at::kHalf ? at::kFloat : type;
        at::Tensor tensor = torch::empty(shape, torch::dtype(drawType));
        if (spec.hasRange)
            tensor.uniform_(spec.low, spec.high);
        else
            tensor.normal_();
        return drawType == type ? tensor : tensor.to(type);
    }
}

InputFactory::Source InputFactory::parseSource(const QString& text, const QString& what)
{
    QString error;
    const std::optional<InputSpec> spec = InputSpec::parse(text, &error);
    if (!spec)
        throw ProfileError(ExitBadInput, QStringLiteral("%1: %2").arg(what, error));
    Source source { *spec, {} };
    if (spec->source == InputSpec::Source::File)
        source.fromFile = readTensorFile(spec->filePath);
    return source;
}

InputFactory::InputFactory(const QStringList& inputSpecs, const QString& labelSpec)
{
    if (inputSpecs.isEmpty())
        throw ProfileError(ExitBadInput,
            QStringLiteral("no --input given: pass one --input SHAPE[:DTYPE][:LOW..HIGH] (or a tensor file) per model "
                           "input, e.g. --input 8x3x224x224"));
    for (const QString& text : inputSpecs)
        m_inputs.push_back(parseSource(text, QStringLiteral("--input %1").arg(text)));
    if (!labelSpec.isEmpty())
        m_labels = parseSource(labelSpec, QStringLiteral("--labels %1").arg(labelSpec));
}

std::vector<at::Tensor> InputFactory::make(const Source& source)
{
    if (source.spec.source == InputSpec::Source::Random)
        return { randomTensor(source.spec) };
    std::vector<at::Tensor> copies;
    for (const at::Tensor& tensor : source.fromFile)
        copies.push_back(tensor.clone());
    return copies;
}

std::vector<torch::jit::IValue> InputFactory::makeInputs() const
{
    std::vector<torch::jit::IValue> inputs;
    for (const Source& source : m_inputs)
        for (at::Tensor& tensor : make(source))
            inputs.emplace_back(std::move(tensor));
    return inputs;
}

at::Tensor InputFactory::makeLabels() const
{
    return m_labels ? make(*m_labels).front() : at::Tensor();
}

std::vector<at::Tensor> InputFactory::fileTensors() const
{
    std::vector<at::Tensor> tensors;
    for (const Source& source : m_inputs)
        tensors.insert(tensors.end(), source.fromFile.begin(), source.fromFile.end());
    if (m_labels)
        tensors.insert(tensors.end(), m_labels->fromFile.begin(), m_labels->fromFile.end());
    return tensors;
}

std::vector<int64_t> sampleShapeOf(const QString& spec)
{
    QString error;
    const std::optional<InputSpec> parsed = InputSpec::parse(spec, &error);
    if (!parsed || parsed->source != InputSpec::Source::Random || parsed->shape.isEmpty())
        return {};
    return std::vector<int64_t>(parsed->shape.begin() + 1, parsed->shape.end());
}

int64_t batchSizeOf(const QString& spec)
{
    QString error;
    const std::optional<InputSpec> parsed = InputSpec::parse(spec, &error);
    return parsed && parsed->source == InputSpec::Source::Random && !parsed->shape.isEmpty() ? parsed->shape.first() : 0;
}

QString InputFactory::describe() const
{
    QStringList parts;
    for (const Source& source : m_inputs)
        parts << source.spec.toString();
    return parts.join(QStringLiteral(", "));
}

} // namespace memoscope
