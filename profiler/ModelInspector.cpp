#include "ModelInspector.h"

#include "InputSuggestion.h"
#include "LoadFailure.h"
#include "ModelCode.h"
#include "OperatorLibraries.h"
#include "ProfileError.h"
#include "Profiler.h"
#include "TorchModel.h"

#include "archive/ArchiveError.h"
#include "archive/ModelArchive.h"

#include <caffe2/serialize/inline_container.h>

#include <QFileInfo>
#include <QMap>
#include <QRegularExpression>
#include <unordered_set>

namespace memoscope {

namespace {
    void readArchive(const QString& path, ModelInspection* inspection)
    {
        inspection->maximumFormatVersion = int(caffe2::serialize::kMaxSupportedFileFormatVersion);
        try {
            const ModelArchive archive = ModelArchive::readFile(path, /*checksums=*/false);
            inspection->formatVersion = std::max(0, archive.formatVersion());
            // PyTorch records no version of its own in the archive; 2.1 and later add a byte-order record.
            inspection->writtenBy = archive.formatVersion() > inspection->maximumFormatVersion
                ? QStringLiteral("written by a PyTorch newer than this LibTorch")
                : archive.metadata().contains(QStringLiteral("byteorder"))
                ? QStringLiteral("written by PyTorch 2.1 or later (it records its byte order)")
                : QStringLiteral("the archive does not record which PyTorch wrote it (one before 2.1)");
        } catch (const ArchiveError&) {
            // Not an archive: loading says why.
        }
    }

    QString providerName(const QString& library, const QString& torchvision)
    {
        if (library == QLatin1String("aten") || library == QLatin1String("quantized")
            || library == QLatin1String("prepacked") || library == QLatin1String("prim"))
            return QStringLiteral("LibTorch %1").arg(libtorchVersion());
        if (library == QLatin1String("torchvision") && !torchvision.isEmpty())
            return torchvision;
        if (library == QLatin1String("memoscope"))
            return QStringLiteral("Memoscope");
        return QStringLiteral("an operator library (--ops-library)");
    }

    // Operators by library; `missing` marks those this build cannot run.
    QVector<OperatorLibraryUse> groupOperators(const QStringList& names, const QStringList& missing)
    {
        const QString torchvision = loadTorchvisionOperators();
        QMap<QString, OperatorLibraryUse> byLibrary;
        for (const QString& name : names) {
            const QString library = name.section(QStringLiteral("::"), 0, 0);
            OperatorLibraryUse& use = byLibrary[library];
            use.library = library;
            use.providedBy = providerName(library, torchvision);
            use.operators << name.section(QStringLiteral("::"), 1);
            if (missing.contains(name))
                use.missing << name.section(QStringLiteral("::"), 1);
        }
        return byLibrary.values().toVector();
    }

    void describeWeights(const TorchModel& model, ModelInspection* inspection)
    {
        std::unordered_set<void*> seen;
        for (const OwnedTensor& owned : model.parameters)
            if (seen.insert(storageAddress(owned.tensor)).second) {
                inspection->parameterBytes += storageBytes(owned.tensor);
                inspection->parameterCount += owned.tensor.numel();
            }
        inspection->constantBytes = model.constantBytes;
        inspection->constantCount = model.constantCount;
        inspection->bufferBytes = model.info.paramBytes - inspection->parameterBytes - model.constantBytes;
        inspection->bufferCount = model.info.paramCount - inspection->parameterCount - model.constantCount;
        inspection->layerCount = int(model.layers.layers().size());
    }
}

ModelInspection inspectModel(const QString& path)
{
    ModelInspection inspection;
    inspection.path = QFileInfo(path).absoluteFilePath();
    inspection.fileBytes = QFileInfo(path).size();
    readArchive(path, &inspection);
    try {
        TorchModel model = TorchModel::load(path);
        inspection.loads = true;
        inspection.signature = forwardSignature(model.module);
        describeWeights(model, &inspection);
        QStringList names;
        for (const std::string& name : operatorsCalled(model.module))
            names << QString::fromStdString(name);
        inspection.operators = groupOperators(names, {});
        inspection.suppliedOperators = model.suppliedOperators;
        inspection.operatorLibraries = loadedOperatorLibraries();
        const InputSuggestion suggestion = suggestInputs(model.module);
        inspection.suggestedInputs = suggestion.specs;
        inspection.suggestionChecked = suggestion.checked;
        inspection.suggestionNote = suggestion.note;
    } catch (const ProfileError& error) {
        inspection.loadError = error.message();
        const QStringList missing = missingOperatorsInArchive(path);
        inspection.operators = groupOperators(missing, missing);
        inspection.operatorLibraries = loadedOperatorLibraries();
    }
    return inspection;
}

} // namespace memoscope
