#include "TensorFileDataset.h"

#include "SampleShape.h"
#include "profiler/ProfileError.h"

#include <ATen/ATen.h>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <torch/csrc/jit/serialization/pickle.h>

namespace memoscope {

namespace {
    // Python's names, which the user saved the file with.
    QString dtypeName(at::ScalarType type)
    {
        switch (type) {
        case at::kFloat:
            return QStringLiteral("float32");
        case at::kDouble:
            return QStringLiteral("float64");
        case at::kHalf:
            return QStringLiteral("float16");
        case at::kBFloat16:
            return QStringLiteral("bfloat16");
        case at::kLong:
            return QStringLiteral("int64");
        case at::kInt:
            return QStringLiteral("int32");
        case at::kShort:
            return QStringLiteral("int16");
        case at::kChar:
            return QStringLiteral("int8");
        case at::kByte:
            return QStringLiteral("uint8");
        case at::kBool:
            return QStringLiteral("bool");
        default:
            return QString::fromLatin1(c10::toString(type));
        }
    }

    QString howToSave()
    {
        return QStringLiteral("Save a tuple (inputs, labels) or one inputs tensor with torch.save in Python, e.g. "
                              "torch.save((x, y), path); LibTorch 1.13 cannot read dicts (one-entry dicts and "
                              "OrderedDicts fail to load), so not {'x': x, 'y': y}");
    }

    c10::IValue readPickle(const QString& path, const QString& name)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            throw ProfileError(
                ExitBadInput, QStringLiteral("cannot read data set %1: %2").arg(path, file.errorString()));
        // Straight into the vector pickle_load takes: a QByteArray first would hold the file twice.
        std::vector<char> bytes(size_t(file.size()));
        if (file.read(bytes.data(), qint64(bytes.size())) != qint64(bytes.size()))
            throw ProfileError(
                ExitBadInput, QStringLiteral("cannot read data set %1: %2").arg(path, file.errorString()));
        try {
            return torch::jit::pickle_load(bytes);
        } catch (const std::exception& error) {
            const QString reason = shortTorchMessage(error);
            // Python's pre-1.6 format (or _use_new_zipfile_serialization=False) is not a zip archive.
            const QString hint = reason.contains(QLatin1String("central directory"))
                ? QStringLiteral("; save it again with torch.save's default format")
                : QString();
            throw ProfileError(ExitBadInput,
                QStringLiteral("data set %1 is not a file of tensors Memoscope can read (%2)%3. %4")
                    .arg(name, reason, hint, howToSave()));
        }
    }
}

TensorFileDataset::TensorFileDataset(const QString& path, const DatasetOptions& options)
    : m_name(QFileInfo(path).fileName())
{
    const c10::IValue value = readPickle(path, m_name);
    std::vector<c10::IValue> parts;
    if (value.isTensor())
        parts.push_back(value);
    else if (value.isTuple())
        parts = value.toTupleRef().elements().vec();
    else if (value.isList())
        parts = value.toListRef().vec();
    const bool allTensors
        = std::all_of(parts.begin(), parts.end(), [](const c10::IValue& part) { return part.isTensor(); });
    if (parts.empty() || parts.size() > 2 || !allTensors) {
        // Dicts of two or more entries do load; refused all the same, since a one-entry dict cannot.
        const QString kind = value.isGenericDict() ? QStringLiteral("dict") : QString::fromStdString(value.tagKind());
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 holds %2. %3")
                .arg(m_name,
                    parts.empty() ? QStringLiteral("a %1").arg(kind)
                                  : QStringLiteral("a %1 of %2 elements").arg(kind).arg(parts.size()),
                    howToSave()));
    }

    const at::Tensor inputs = parts[0].toTensor();
    if (inputs.dim() < 1 || inputs.size(0) < 1)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1: the inputs tensor has shape %2; it needs one row per sample, shaped [N, ...]")
                .arg(m_name, shapeText(inputs.sizes().vec())));
    m_storedShape = inputs.sizes().vec();
    m_storedShape.erase(m_storedShape.begin());
    m_sampleShape = fitSampleShape(m_name, m_storedShape, options.sampleShape);
    std::vector<int64_t> shape { inputs.size(0) };
    shape.insert(shape.end(), m_sampleShape.begin(), m_sampleShape.end());
    m_inputs = inputs.reshape(shape);
    if (parts.size() == 2)
        setLabels(parts[1].toTensor());
}

void TensorFileDataset::setLabels(const at::Tensor& labels)
{
    const int64_t rows = m_inputs.size(0);
    const bool integral = at::isIntegralType(labels.scalar_type(), /*includeBool=*/false);
    if (!integral || labels.numel() != rows || labels.dim() > 2)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1: the labels tensor is %2 with shape %3, but it must be %4 integer class "
                           "indices (shape [%4]); convert it with labels.long() in Python")
                .arg(m_name, dtypeName(labels.scalar_type()), shapeText(labels.sizes().vec()))
                .arg(rows));
    m_labels = labels.reshape({ rows }).to(at::kLong);
    const int64_t smallest = m_labels.min().item<int64_t>();
    if (smallest < 0)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has the label %2; labels are class indices, integers >= 0")
                .arg(m_name)
                .arg(smallest));
    m_classCount = m_labels.max().item<int64_t>() + 1;
}

qint64 TensorFileDataset::residentBytes() const
{
    // Whole storages: torch.save of a slice writes (and pickle_load reads) the entire storage behind it.
    qint64 bytes = qint64(m_inputs.storage().nbytes());
    if (m_labels.defined() && !m_labels.is_alias_of(m_inputs))
        bytes += qint64(m_labels.storage().nbytes());
    return bytes;
}

QString TensorFileDataset::sampleSummary() const
{
    QString text
        = QStringLiteral("tensors of shape %1 (%2)").arg(shapeText(m_storedShape), dtypeName(m_inputs.scalar_type()));
    if (m_sampleShape != m_storedShape)
        text += QStringLiteral(" as %1").arg(shapeText(m_sampleShape));
    return text;
}

DataBatch TensorFileDataset::batch(qint64 first, qint64 count)
{
    first = std::clamp<qint64>(first, 0, size());
    count = std::clamp<qint64>(count, 0, size() - first);
    DataBatch batch;
    batch.inputs = m_inputs.narrow(0, first, count).clone(at::MemoryFormat::Contiguous);
    if (m_labels.defined())
        batch.labels = m_labels.narrow(0, first, count).clone();
    return batch;
}

} // namespace memoscope
