#include "InputFactory.h"

#include "ProfileError.h"
#include "TorchModel.h"

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

    // What a file holds is known once read: it must fit the argument it fills.
    void checkFileFits(
        const QString& path, const std::vector<at::Tensor>& tensors, c10::TypePtr type, const ModelArgument& argument)
    {
        if (type->kind() == c10::TypeKind::OptionalType)
            type = type->expectRef<c10::OptionalType>().getElementType();
        const size_t count = tensors.size();
        bool fits
            = type->kind() == c10::TypeKind::ListType || (type->kind() == c10::TypeKind::TensorType && count == 1);
        if (type->kind() == c10::TypeKind::TupleType) {
            const auto& elements = type->expectRef<c10::TupleType>().elements();
            fits = elements.size() == count;
            for (const c10::TypePtr& element : elements)
                fits = fits && element->kind() == c10::TypeKind::TensorType;
        }
        if (!fits)
            throw ProfileError(ExitBadInput,
                QStringLiteral("argument '%1' is %2; the file %3 holds %4 tensor%5")
                    .arg(argument.name, argument.type.toString(), path)
                    .arg(count)
                    .arg(count == 1 ? QString() : QStringLiteral("s")));
    }
}

InputFactory::InputFactory(const QStringList& inputSpecs, const QString& labelSpec)
{
    if (inputSpecs.isEmpty())
        throw ProfileError(ExitBadInput,
            QStringLiteral("no --input given: pass one --input per argument of the model's forward (%1), e.g. "
                           "--input 8x3x224x224")
                .arg(inputSpecSyntax()));
    auto parse = [](const QString& text, const QString& option) {
        QString error;
        std::optional<InputSpec> spec = InputSpec::parse(text, &error);
        // The error quotes the spec itself (control characters escaped), so the message stays on one line.
        if (!spec)
            throw ProfileError(ExitBadInput, QStringLiteral("%1: %2").arg(option, error));
        return *spec;
    };
    for (const QString& text : inputSpecs) {
        m_arguments.push_back(Argument { parse(text, QStringLiteral("--input")), nullptr, -1 });
        readFiles(m_arguments.back().spec);
    }
    if (labelSpec.isEmpty())
        return;
    m_labels = parse(labelSpec, QStringLiteral("--labels"));
    if (m_labels->kind != InputSpec::Kind::Tensor && m_labels->kind != InputSpec::Kind::File)
        throw ProfileError(ExitBadInput,
            QStringLiteral("--labels %1 is %2; labels are a tensor spec such as 8:int64:0..9, or a tensor file")
                .arg(labelSpec, m_labels->kindName()));
    readFiles(*m_labels);
}

void InputFactory::readFiles(const InputSpec& spec)
{
    if (spec.kind == InputSpec::Kind::File && !m_files.count(spec.filePath))
        m_files[spec.filePath] = readTensorFile(spec.filePath);
    for (const InputSpec& element : spec.elements)
        readFiles(element);
}

void InputFactory::bindTo(const torch::jit::Module& module)
{
    const c10::FunctionSchema& schema = module.get_method("forward").function().getSchema();
    const ModelSignature signature = forwardSignature(module);
    // A file of several tensors fills that many Tensor arguments, as it always has.
    std::vector<Argument> spread;
    QVector<InputSpec> specs;
    for (const Argument& argument : m_arguments) {
        const std::vector<at::Tensor>* tensors
            = argument.spec.kind == InputSpec::Kind::File ? &m_files.at(argument.spec.filePath) : nullptr;
        const int index = int(spread.size());
        const bool fillsTensors
            = index < signature.arguments.size() && signature.arguments[index].type.kind == ArgumentType::Kind::Tensor;
        const int count = tensors && fillsTensors ? int(tensors->size()) : 1;
        for (int i = 0; i < count; ++i) {
            spread.push_back(Argument { argument.spec, nullptr, count > 1 ? i : -1 });
            specs << argument.spec;
        }
    }
    QString error;
    if (!signature.check(specs, &error))
        throw ProfileError(ExitBadInput, error);
    for (size_t i = 0; i < spread.size(); ++i) {
        spread[i].type = schema.arguments()[i + 1].type(); // [0] is self
        const InputSpec& spec = spread[i].spec;
        if (spec.kind == InputSpec::Kind::File && spread[i].fileIndex < 0)
            checkFileFits(spec.filePath, m_files.at(spec.filePath), spread[i].type, signature.arguments[int(i)]);
    }
    m_arguments = std::move(spread);
}

c10::IValue InputFactory::make(const InputSpec& spec, c10::TypePtr type, int fileIndex) const
{
    if (spec.kind == InputSpec::Kind::None)
        return c10::IValue();
    if (type && type->kind() == c10::TypeKind::OptionalType)
        type = type->expectRef<c10::OptionalType>().getElementType();
    switch (spec.kind) {
    case InputSpec::Kind::Tensor:
        return randomTensor(spec);
    case InputSpec::Kind::File:
        return makeFromFile(spec, type, fileIndex);
    case InputSpec::Kind::Int:
        if (type && type->kind() == c10::TypeKind::FloatType)
            return c10::IValue(double(spec.intValue));
        return c10::IValue(int64_t(spec.intValue));
    case InputSpec::Kind::Float:
        return c10::IValue(spec.floatValue);
    case InputSpec::Kind::Bool:
        return c10::IValue(spec.boolValue);
    case InputSpec::Kind::Str:
        return c10::IValue(spec.text.toStdString());
    default:
        return makeContainer(spec, type);
    }
}

c10::IValue InputFactory::makeFromFile(const InputSpec& spec, const c10::TypePtr& type, int fileIndex) const
{
    const std::vector<at::Tensor>& tensors = m_files.at(spec.filePath);
    if (fileIndex >= 0)
        return tensors[size_t(fileIndex)].clone();
    if (type && type->kind() == c10::TypeKind::ListType) {
        c10::List<at::Tensor> list;
        for (const at::Tensor& tensor : tensors)
            list.push_back(tensor.clone());
        return list;
    }
    if ((type && type->kind() == c10::TypeKind::TupleType) || (!type && tensors.size() > 1)) {
        std::vector<c10::IValue> elements;
        for (const at::Tensor& tensor : tensors)
            elements.emplace_back(tensor.clone());
        return c10::ivalue::Tuple::create(std::move(elements));
    }
    return tensors.front().clone();
}

c10::IValue InputFactory::makeContainer(const InputSpec& spec, const c10::TypePtr& type) const
{
    auto elementType = [&](int i) -> c10::TypePtr {
        if (type && type->kind() == c10::TypeKind::TupleType)
            return type->expectRef<c10::TupleType>().elements().at(size_t(i));
        if (type && type->kind() == c10::TypeKind::ListType)
            return type->expectRef<c10::ListType>().getElementType();
        if (type && type->kind() == c10::TypeKind::DictType)
            return type->expectRef<c10::DictType>().getValueType();
        return nullptr;
    };
    std::vector<c10::IValue> values;
    for (int i = 0; i < spec.elements.size(); ++i)
        values.push_back(make(spec.elements[i], elementType(i), -1));
    if (spec.kind == InputSpec::Kind::Tuple)
        return c10::ivalue::Tuple::create(std::move(values));
    // Without a signature, the elements' own type; an empty or mixed list holds Any.
    c10::TypePtr valueType = elementType(0);
    if (!valueType)
        valueType = values.empty() ? c10::AnyType::get() : c10::unshapedType(values.front().type());
    if (spec.kind == InputSpec::Kind::List) {
        c10::impl::GenericList list(valueType);
        for (c10::IValue& value : values)
            list.push_back(std::move(value));
        return list;
    }
    c10::impl::GenericDict dict(c10::StringType::get(), valueType);
    for (int i = 0; i < spec.elements.size(); ++i)
        dict.insert(spec.keys[i].toStdString(), std::move(values[size_t(i)]));
    return dict;
}

std::vector<torch::jit::IValue> InputFactory::makeInputs() const
{
    std::vector<torch::jit::IValue> inputs;
    for (const Argument& argument : m_arguments) {
        // Unbound, a file of several tensors is several inputs, one per tensor.
        if (!argument.type && argument.spec.kind == InputSpec::Kind::File) {
            for (const at::Tensor& tensor : m_files.at(argument.spec.filePath))
                inputs.emplace_back(tensor.clone());
            continue;
        }
        inputs.push_back(make(argument.spec, argument.type, argument.fileIndex));
    }
    return inputs;
}

at::Tensor InputFactory::makeLabels() const
{
    if (!m_labels)
        return at::Tensor();
    if (m_labels->kind == InputSpec::Kind::File)
        return m_files.at(m_labels->filePath).front().clone();
    return randomTensor(*m_labels);
}

std::vector<at::Tensor> InputFactory::fileTensors() const
{
    std::vector<at::Tensor> tensors;
    for (const auto& [path, read] : m_files)
        tensors.insert(tensors.end(), read.begin(), read.end());
    return tensors;
}

std::vector<int64_t> sampleShapeOf(const QString& spec)
{
    QString error;
    const std::optional<InputSpec> parsed = InputSpec::parse(spec, &error);
    if (!parsed || !parsed->isTensor() || parsed->shape.isEmpty())
        return {};
    return std::vector<int64_t>(parsed->shape.begin() + 1, parsed->shape.end());
}

int64_t batchSizeOf(const QString& spec)
{
    QString error;
    const std::optional<InputSpec> parsed = InputSpec::parse(spec, &error);
    return parsed && parsed->isTensor() && !parsed->shape.isEmpty() ? parsed->shape.first() : 0;
}

QString InputFactory::describe() const
{
    QStringList parts;
    for (const Argument& argument : m_arguments)
        if (argument.fileIndex <= 0)
            parts << argument.spec.toString();
    return parts.join(QStringLiteral(", "));
}

} // namespace memoscope
