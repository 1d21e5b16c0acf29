#pragma once
// A CSV file with a header: one column per input value and an optional label column (see parseCsvHeader).
// Small files are parsed once into one tensor; files whose samples would take more than
// DatasetOptions::inMemoryLimitBytes are indexed once (the byte offset of every row) and each batch parses
// only its rows. Every row is checked when the file is opened, so a malformed row fails then, naming its line.

#include "CsvParser.h"
#include "Dataset.h"

#include <QDateTime>
#include <QFile>

namespace memoscope {

class CsvDataset : public Dataset {
public:
    CsvDataset(const QString& path, const DatasetOptions& options); // throws ProfileError

    QString name() const override { return m_name; }
    qint64 size() const override { return m_rows; }
    bool labelled() const override { return m_layout.labelColumn >= 0; }
    int64_t classCount() const override { return m_classCount; }
    std::vector<int64_t> sampleShape() const override { return m_sampleShape; }
    DataBatch batch(qint64 first, qint64 count) override;
    bool streamed() const override { return !m_inputs.defined(); }
    qint64 residentBytes() const override;
    QString sampleSummary() const override;

private:
    at::Tensor readRows(qint64 first, qint64 count);
    [[noreturn]] void changedOnDisk() const;

    QString m_name;
    CsvLayout m_layout;
    qint64 m_rows = 0;
    int64_t m_classCount = 0;
    std::vector<int64_t> m_sampleShape;
    at::Tensor m_inputs; // [rows, sampleShape...] when held in memory
    at::Tensor m_labels; // [rows] int64, always held: 8 bytes a row
    std::vector<qint64> m_rowOffsets; // streamed: where each row's line starts, then the end of the last row
    QFile m_file; // streamed: kept open
    QDateTime m_modified; // streamed: to notice a file rewritten under us
    qint64 m_fileSize = 0;
};

} // namespace memoscope
