#include "LoadFailure.h"

#include "OperatorLibraries.h"
#include "ProfileError.h"
#include "Profiler.h"

#include "archive/ArchiveError.h"
#include "archive/ModelArchive.h"

#include <torch/csrc/jit/runtime/operator.h>

#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QStringList>

namespace memoscope {

namespace {
    bool hasOperator(const QString& qualifiedName)
    {
        return !torch::jit::getAllOperatorsFor(c10::Symbol::fromQualString(qualifiedName.toStdString())).empty();
    }

    enum class ArchiveKind { NotAnArchive, TorchScript, PickledOnly };

    // The archive's code files, read with the model-archive reader (profiler/archive): name -> text.
    std::optional<QMap<QString, QString>> readCode(const QString& path, bool* torchScript)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return std::nullopt;
        const uchar* data = file.map(0, file.size());
        if (!data)
            return std::nullopt;
        try {
            const ModelArchive archive = ModelArchive::read(data, file.size());
            QMap<QString, QString> code;
            *torchScript = !archive.codeFiles().isEmpty();
            for (const ZipRecord& record : archive.records()) {
                const QString name = record.name.mid(archive.folder().size() + 1);
                *torchScript
                    = *torchScript || name == QLatin1String("constants.pkl") || name == QLatin1String("bytecode.pkl");
                if (name.startsWith(QLatin1String("code/")) && name.endsWith(QLatin1String(".py")))
                    code[name] = QString::fromUtf8(readZipRecord(data, record));
            }
            return code;
        } catch (const ArchiveError&) {
            return std::nullopt;
        }
    }

    ArchiveKind archiveKind(const QString& path)
    {
        bool torchScript = false;
        if (!readCode(path, &torchScript))
            return ArchiveKind::NotAnArchive;
        return torchScript ? ArchiveKind::TorchScript : ArchiveKind::PickledOnly;
    }

    // "torchvision::nms, torchvision::roi_align (install ...); aten::foo (...)": grouped by what provides them.
    QString describeMissing(const QStringList& missing)
    {
        QMap<QString, QStringList> byProvider;
        for (const QString& name : missing)
            byProvider[providerOf(name)] << name;
        QStringList groups;
        for (auto it = byProvider.cbegin(); it != byProvider.cend(); ++it)
            groups << QStringLiteral("%1: %2").arg(it.value().join(QStringLiteral(", ")), it.key());
        return groups.join(QStringLiteral("; "));
    }
}

QStringList missingOperatorsInArchive(const QString& path)
{
    QStringList missing;
    bool torchScript = false;
    const std::optional<QMap<QString, QString>> code = readCode(path, &torchScript);
    if (!code)
        return {};
    // Serialized TorchScript calls custom operators as ops.NAMESPACE.NAME(...) and ATen's as torch.NAME(...).
    static const QRegularExpression call(QStringLiteral("(?<![\\w.])(?:ops\\.(\\w+)|torch)\\.(\\w+)\\("));
    for (const QString& text : *code)
        for (auto match = call.globalMatch(text); match.hasNext();) {
            const QRegularExpressionMatch found = match.next();
            const QString space = found.captured(1).isEmpty() ? QStringLiteral("aten") : found.captured(1);
            const QString name = space + QStringLiteral("::") + found.captured(2);
            if (!missing.contains(name) && !hasOperator(name))
                missing << name;
        }
    return missing;
}

QString explainLoadFailure(const QString& path, const std::exception& error)
{
    const auto* torchError = dynamic_cast<const c10::Error*>(&error);
    const QString full
        = torchError ? QString::fromStdString(torchError->what_without_backtrace()) : QString::fromUtf8(error.what());
    static const QRegularExpression tooNew(QStringLiteral(
        "read a PyTorch file with version (\\d+), but the maximum supported version for reading is (\\d+)"));
    if (const QRegularExpressionMatch version = tooNew.match(full); version.hasMatch())
        return QStringLiteral("%1 is a TorchScript file of format version %2, newer than this LibTorch (%3) reads "
                              "(up to version %4). Save it again with an older PyTorch, or re-export the model from "
                              "Python with memoscope-cli from-python")
            .arg(path, version.captured(1), libtorchVersion(), version.captured(2));

    const ArchiveKind kind = archiveKind(path);
    if (kind == ArchiveKind::NotAnArchive)
        return QStringLiteral("%1 is not a TorchScript model (it is not a PyTorch archive: %2). Save one from Python "
                              "with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path), "
                              "or let memoscope-cli from-python do it")
            .arg(path, shortTorchMessage(error));
    if (kind == ArchiveKind::PickledOnly)
        return QStringLiteral("%1 was saved with torch.save (weights or a pickled module) and holds no TorchScript "
                              "code, which a C++ program needs. Turn the model into TorchScript with memoscope-cli "
                              "from-python, or torch.jit.script(model).save(path) in Python")
            .arg(path);

    static const QRegularExpression unknownOp(QStringLiteral("Unknown builtin op: ([\\w:]+)"));
    QStringList missing = missingOperatorsInArchive(path);
    if (const QRegularExpressionMatch op = unknownOp.match(full); op.hasMatch() && !missing.contains(op.captured(1)))
        missing.prepend(op.captured(1));
    if (!missing.isEmpty())
        return QStringLiteral("%1 is a TorchScript model that needs operator%2 this LibTorch (%3) does not have: %4")
            .arg(path, missing.size() == 1 ? QString() : QStringLiteral("s"), libtorchVersion(),
                describeMissing(missing));
    return QStringLiteral("%1 is a TorchScript model that this LibTorch (%2) could not load: %3")
        .arg(path, libtorchVersion(), shortTorchMessage(error));
}

} // namespace memoscope
