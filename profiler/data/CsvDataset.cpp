#include "CsvDataset.h"

#include "SampleShape.h"
#include "profiler/ProfileError.h"

#include <ATen/ATen.h>
#include <QFileInfo>
#include <algorithm>
#include <cstring>

namespace memoscope {

CsvDataset::CsvDataset(const QString& path, const DatasetOptions& options)
    : m_name(QFileInfo(path).fileName())
    , m_file(path)
{
    if (!m_file.open(QIODevice::ReadOnly))
        throw ProfileError(ExitBadInput, QStringLiteral("cannot read data set %1: %2").arg(path, m_file.errorString()));
    CsvLineReader reader(m_file);
    const char* begin;
    const char* end;
    qint64 offset;
    if (!reader.next(&begin, &end, &offset) || isBlankLine(begin, end))
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has no header on line 1; a CSV data set starts with a line naming its "
                           "columns, e.g. p0,p1,...,label")
                .arg(m_name));
    m_layout = parseCsvHeader(QByteArray(begin, end - begin), m_name, options.sampleShape);
    const int features = m_layout.featureCount();
    // Before reading any row, so that a data set made for another model fails at once.
    m_sampleShape = fitSampleShape(m_name, { features }, options.sampleShape);

    // One pass parses and checks every row. Values are kept until they would exceed the in-memory limit;
    // from then on only the row offsets are, and batches are parsed again from the file.
    std::vector<float> values;
    std::vector<float> scratch(features);
    bool inMemory = true;
    std::vector<int64_t> labels;
    qint64 line = 1;
    while (reader.next(&begin, &end, &offset)) {
        ++line;
        if (isBlankLine(begin, end))
            continue;
        if (inMemory && qint64(values.size() + features) * qint64(sizeof(float)) > options.inMemoryLimitBytes) {
            inMemory = false;
            std::vector<float>().swap(values);
        }
        float* row = scratch.data();
        if (inMemory) {
            values.resize(values.size() + features);
            row = values.data() + values.size() - features;
        }
        int64_t label = 0;
        parseCsvRow(begin, end, m_layout, m_name, CsvPlace { line, true }, row, &label);
        m_rowOffsets.push_back(offset);
        labels.push_back(label);
    }
    m_rowOffsets.push_back(reader.endOffset());
    m_rows = qint64(labels.size());
    if (m_rows == 0)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has a header but no rows; add one line of values per sample").arg(m_name));

    if (labelled()) {
        m_labels = at::empty({ m_rows }, at::kLong);
        std::memcpy(m_labels.data_ptr<int64_t>(), labels.data(), labels.size() * sizeof(int64_t));
        m_classCount = *std::max_element(labels.begin(), labels.end()) + 1;
    }
    std::vector<int64_t> batchShape { m_rows };
    batchShape.insert(batchShape.end(), m_sampleShape.begin(), m_sampleShape.end());
    if (inMemory) {
        m_inputs = at::empty(batchShape, at::kFloat);
        std::memcpy(m_inputs.data_ptr<float>(), values.data(), values.size() * sizeof(float));
        std::vector<qint64>().swap(m_rowOffsets);
        m_file.close();
    } else {
        m_rowOffsets.shrink_to_fit();
        const QFileInfo info(m_file);
        m_modified = info.lastModified();
        m_fileSize = info.size();
    }
}

qint64 CsvDataset::residentBytes() const
{
    qint64 bytes = qint64(m_rowOffsets.capacity() * sizeof(qint64));
    if (m_inputs.defined())
        bytes += qint64(m_inputs.nbytes());
    if (m_labels.defined())
        bytes += qint64(m_labels.nbytes());
    return bytes;
}

QString CsvDataset::sampleSummary() const
{
    const int features = m_layout.featureCount();
    QString text = QStringLiteral("%1 features").arg(features);
    if (m_sampleShape != std::vector<int64_t> { features })
        text += QStringLiteral(" as %1").arg(shapeText(m_sampleShape));
    return text;
}

DataBatch CsvDataset::batch(qint64 first, qint64 count)
{
    first = std::clamp<qint64>(first, 0, m_rows);
    count = std::clamp<qint64>(count, 0, m_rows - first);
    DataBatch batch;
    // Copies, not views: a consumer may change its batch in place, as with a DataLoader's fresh tensors.
    batch.inputs = m_inputs.defined() ? m_inputs.narrow(0, first, count).clone() : readRows(first, count);
    if (m_labels.defined())
        batch.labels = m_labels.narrow(0, first, count).clone();
    return batch;
}

at::Tensor CsvDataset::readRows(qint64 first, qint64 count)
{
    const QFileInfo info(m_file.fileName());
    if (info.size() != m_fileSize || info.lastModified() != m_modified)
        changedOnDisk();
    const qint64 start = m_rowOffsets[first];
    const qint64 stop = m_rowOffsets[first + count];
    if (!m_file.seek(start))
        changedOnDisk();
    const QByteArray bytes = m_file.read(stop - start);
    if (bytes.size() != stop - start)
        changedOnDisk();

    std::vector<int64_t> shape { count };
    shape.insert(shape.end(), m_sampleShape.begin(), m_sampleShape.end());
    at::Tensor inputs = at::empty(shape, at::kFloat);
    float* out = inputs.data_ptr<float>();
    const int features = m_layout.featureCount();
    const char* position = bytes.constData();
    const char* const bytesEnd = position + bytes.size();
    qint64 row = 0;
    while (position < bytesEnd) {
        const char* newline = static_cast<const char*>(std::memchr(position, '\n', bytesEnd - position));
        const char* lineEnd = newline ? newline : bytesEnd;
        const char* valueEnd = lineEnd > position && lineEnd[-1] == '\r' ? lineEnd - 1 : lineEnd;
        if (!isBlankLine(position, valueEnd)) {
            if (row == count)
                changedOnDisk();
            int64_t label;
            parseCsvRow(position, valueEnd, m_layout, m_name, CsvPlace { first + row + 1, false }, out + row * features,
                &label);
            ++row;
        }
        position = lineEnd + 1;
    }
    if (row != count)
        changedOnDisk();
    return inputs;
}

void CsvDataset::changedOnDisk() const
{
    throw ProfileError(
        ExitBadInput, QStringLiteral("data set %1 changed on disk while it was being read; open it again").arg(m_name));
}

} // namespace memoscope
