#include "TorchModel.h"

#include "LoadFailure.h"
#include "ModelCode.h"
#include "OperatorLibraries.h"
#include "ProfileError.h"
#include "archive/ArchiveError.h"
#include "archive/ModelFileCheck.h"
#include "archive/ModelArchive.h"
#include "SuppliedOperators.h"
#include "core/FileHash.h"
#include "transform/QuantizedEngine.h"
#include "transform/ScriptEditing.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <functional>

#include <QFileInfo>
#include <optional>
#include <unordered_set>

namespace memoscope {

QString shortTorchMessage(const std::exception& error)
{
    const auto* torchError = dynamic_cast<const c10::Error*>(&error);
    const QString full = torchError ? QString::fromStdString(torchError->what_without_backtrace())
                                    : QString::fromUtf8(error.what());
    const QStringList lines = full.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.isEmpty())
        return QStringLiteral("unknown error");
    // The TorchScript interpreter puts two tracebacks first and the error itself on the last line.
    if (lines.first().startsWith(QLatin1String("The following operation failed in the TorchScript interpreter"))) {
        QString last = lines.last().trimmed();
        if (last.startsWith(QLatin1String("builtins.")))
            last = last.mid(9);
        return last;
    }
    return lines.first().trimmed();
}

void* storageAddress(const at::Tensor& tensor)
{
    return tensor.storage().data_ptr().get();
}

qint64 storageBytes(const at::Tensor& tensor)
{
    return qint64(tensor.storage().nbytes());
}

namespace {
    QString className(const torch::jit::Module& module)
    {
        const auto name = module.type()->name();
        return name ? QString::fromStdString(name->name()) : QStringLiteral("Module");
    }

    void addModule(TorchModel& model, const torch::jit::Module& module, const QString& path, qint32 parent,
        std::unordered_set<void*>& seenStorages)
    {
        Layer layer;
        layer.path = path;
        layer.type = className(module);
        layer.parentId = parent;
        const qint32 id = model.layers.add(layer);
        Layer& added = model.layers.layers()[id];

        auto own = [&](const at::Tensor& tensor, bool trainable, bool buffer = false) {
            if (!tensor.defined())
                return;
            if (trainable) {
                model.parameters.push_back(OwnedTensor { tensor, id });
                model.layerOfParameter[c10::guts::to_string(tensor.unsafeGetTensorImpl())] = id;
            }
            // Tied weights share one storage: count it once, for its first owner.
            if (!seenStorages.insert(storageAddress(tensor)).second)
                return;
            model.stateTensors.push_back(OwnedTensor { tensor, id });
            added.paramBytes += storageBytes(tensor);
            added.paramCount += tensor.numel();
            if (buffer)
                model.bufferBytes += storageBytes(tensor);
        };
        for (const auto& parameter : module.named_parameters(/*recurse=*/false))
            own(parameter.value, true);
        // Buffers, and weights kept as plain attributes: int8 tensors, packed quantized weights (custom-class
        // objects) and their scales. A tensor already counted as a parameter is not counted again.
        const c10::ClassTypePtr type = module.type();
        for (const auto& attribute : module.named_attributes(/*recurse=*/false))
            if (!attribute.value.isModule()) {
                const bool buffer = type->hasAttribute(attribute.name) && type->is_buffer(type->getAttributeSlot(attribute.name));
                for (const at::Tensor& tensor : tensorsInside(attribute.value))
                    own(tensor, false, buffer);
            }
        for (const auto& child : module.named_children())
            addModule(model, child.value, path.isEmpty() ? QString::fromStdString(child.name)
                                                         : path + QLatin1Char('.') + QString::fromStdString(child.name),
                id, seenStorages);
    }
}

QString notTorchScriptMessage(const QString& path, const QString& reason)
{
    return QStringLiteral("%1 is not a TorchScript model (%2). Save one from Python with "
                          "torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path)")
        .arg(path, reason);
}

std::vector<at::Tensor> tensorsInside(const c10::IValue& value)
{
    std::vector<at::Tensor> tensors;
    std::function<void(const c10::IValue&)> collect = [&](const c10::IValue& v) {
        if (v.isTensor()) {
            const at::Tensor& tensor = v.toTensor();
            tensors.push_back(tensor);
            if (tensor.is_quantized() && tensor.qscheme() == at::kPerChannelAffine) {
                tensors.push_back(tensor.q_per_channel_scales());
                tensors.push_back(tensor.q_per_channel_zero_points());
            }
        } else if (v.isTuple()) {
            for (const auto& element : v.toTupleRef().elements())
                collect(element);
        } else if (v.isList()) {
            for (const auto& element : v.toListRef())
                collect(element);
        } else if (v.isObject()) {
            const auto object = v.toObject();
            if (torch::jit::Function* state = object->type()->findMethod("__getstate__"))
                collect((*state)({ v }));
        }
    };
    collect(value);
    return tensors;
}

namespace {
    [[noreturn]] void refuseModelFile(const QString& path, const ArchiveError& error)
    {
        if (error.kind() == ArchiveError::Kind::NotAnArchive)
            throw ProfileError(ExitBadInput, notTorchScriptMessage(path, error.message()));
        throw ProfileError(ExitBadInput,
            QStringLiteral("model file %1 is damaged: %2. Save the model again, or copy it again if it was copied")
                .arg(path, error.message()));
    }
}

void checkModelFile(const QString& path)
{
    try {
        ModelFileCheck(path).finish();
    } catch (const ArchiveError& error) {
        refuseModelFile(path, error);
    }
}


namespace {
    QString defaultText(const c10::IValue& value)
    {
        if (value.isNone())
            return QStringLiteral("None");
        if (value.isBool())
            return value.toBool() ? QStringLiteral("True") : QStringLiteral("False");
        if (value.isString())
            return QStringLiteral("'%1'").arg(QString::fromStdString(value.toStringRef()));
        return QString::fromStdString(c10::str(value));
    }
}

namespace {
    // Weights held as constants count as parameters of the layer whose method holds them: the root for a
    // frozen file, whose code is one inlined forward.
    void addCodeConstants(TorchModel& model, std::unordered_set<void*>& seenStorages)
    {
        std::unordered_map<const c10::ClassType*, qint32> layerOfType;
        for (const auto& [path, instance] : script::namedModules(model.module))
            layerOfType.emplace(instance.type().get(), model.layers.find(path));
        for (const CodeConstant& constant : codeConstants(model.module)) {
            if (!seenStorages.insert(storageAddress(constant.tensor)).second)
                continue;
            const auto owner = layerOfType.find(constant.owner);
            const qint32 layerId = owner == layerOfType.end() || owner->second < 0 ? 0 : owner->second;
            model.stateTensors.push_back(OwnedTensor { constant.tensor, layerId });
            Layer& layer = model.layers.layers()[layerId];
            layer.paramBytes += storageBytes(constant.tensor);
            layer.paramCount += constant.tensor.numel();
            model.constantBytes += storageBytes(constant.tensor);
            model.constantCount += constant.tensor.numel();
        }
    }
}

ModelSignature forwardSignature(const torch::jit::Module& module)
{
    const c10::FunctionSchema& schema = module.get_method("forward").function().getSchema();
    ModelSignature signature;
    for (size_t i = 1; i < schema.arguments().size(); ++i) { // [0] is self
        const c10::Argument& argument = schema.arguments()[i];
        ModelArgument entry;
        entry.name = QString::fromStdString(argument.name());
        entry.type = ArgumentType::parse(QString::fromStdString(argument.type()->annotation_str()));
        entry.hasDefault = argument.default_value().has_value();
        if (entry.hasDefault)
            entry.defaultValue = defaultText(*argument.default_value());
        signature.arguments << entry;
    }
    QStringList returns;
    for (const c10::Argument& result : schema.returns())
        returns << ArgumentType::parse(QString::fromStdString(result.type()->annotation_str())).toString();
    signature.returns = returns.size() == 1 ? returns.first() : QStringLiteral("Tuple[%1]").arg(returns.join(QStringLiteral(", ")));
    return signature;
}

TorchModel TorchModel::load(const QString& path, bool followModelEngine)
{
    const QFileInfo file(path);
    if (!file.exists())
        throw ProfileError(ExitBadInput, QStringLiteral("model file %1 does not exist").arg(path));
    if (!file.isFile() || !file.isReadable())
        throw ProfileError(ExitBadInput, QStringLiteral("model file %1 cannot be read").arg(path));
    // LibTorch trusts the archive: a storage record shorter than its tensors makes it read past the buffer, and
    // it never checks a record's CRC-32. So the archive is checked before LibTorch sees any of it, except the
    // storages' checksums, which run beside LibTorch's load (a changed byte there cannot mislead it).
    std::optional<ModelFileCheck> check;
    try {
        check.emplace(path);
    } catch (const ArchiveError& error) {
        refuseModelFile(path, error);
    }

    const QJsonObject applied
        = QJsonDocument::fromJson(QByteArray::fromStdString(script::memoscopeExtraFile(path.toStdString()))).object();
    if (followModelEngine && applied.contains(QStringLiteral("quantized_engine")))
        useQuantizedEngine(applied.value(QStringLiteral("quantized_engine")).toString());
    loadTorchvisionOperators();
    supplyMissingOperators();
    torch::jit::Module module;
    try {
        module = torch::jit::load(file.absoluteFilePath().toStdString());
    } catch (const std::exception& error) {
        throw ProfileError(ExitBadInput, explainLoadFailure(path, error));
    }
    try {
        check->finish();
    } catch (const ArchiveError& error) {
        refuseModelFile(path, error);
    }
    TorchModel model = wrap(module, file.absoluteFilePath());
    model.info.fileBytes = file.size();
    model.info.sha256 = sha256OfFile(model.info.path);
    return model;
}

TorchModel TorchModel::wrap(const torch::jit::Module& module, const QString& path)
{
    TorchModel model;
    model.module = module;
    std::unordered_set<void*> seenStorages;
    addModule(model, model.module, QString(), -1, seenStorages);
    model.info.path = path;
    addCodeConstants(model, seenStorages);
    const std::set<std::string> called = operatorsCalled(model.module);
    for (const QString& supplied : memoscope::suppliedOperators())
        if (called.count(supplied.toStdString()))
            model.suppliedOperators << supplied;
    for (const Layer& layer : model.layers.layers()) {
        model.info.paramBytes += layer.paramBytes;
        model.info.paramCount += layer.paramCount;
    }
    return model;
}

} // namespace memoscope
