#pragma once
// Reading numeric CSV files: lines with their byte offsets (for streaming), the header, and one row of numbers.
// No LibTorch here, so the parsing rules can be read and tested on their own.

#include <QByteArray>
#include <QIODevice>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

namespace memoscope {

// Reads a device line by line in large chunks, remembering where each line starts.
class CsvLineReader {
public:
    explicit CsvLineReader(QIODevice& device);
    // The next line without its line ending; false at the end. The pointers stay valid until the next call.
    bool next(const char** begin, const char** end, qint64* offset);
    qint64 endOffset() const { return m_bufferOffset + m_position; } // just past the last line returned

private:
    QIODevice& m_device;
    QByteArray m_buffer;
    qint64 m_bufferOffset = 0; // device offset of m_buffer[0]
    qsizetype m_position = 0;
    bool m_atEnd = false;
};

struct CsvLayout {
    QStringList columns;
    char separator = ',';
    int labelColumn = -1; // -1: unlabelled, every column is a feature
    int featureCount() const { return int(columns.size()) - (labelColumn >= 0 ? 1 : 0); }
};

// Where a row is, for messages: a line of the file when known (line 1 is the header), else a row index.
struct CsvPlace {
    qint64 number = 0;
    bool isLine = true;
    QString text() const;
};

// The label column is the one named "label" (else "target", else "class", case-insensitive); without one,
// the last column, unless the columns are exactly as many as the model's per-sample values (then all are
// features and the set is unlabelled). Throws ProfileError(ExitBadInput) for a missing header.
CsvLayout parseCsvHeader(QByteArray line, const QString& datasetName, const std::vector<int64_t>& sampleShape);

bool isBlankLine(const char* begin, const char* end);

// Parses one data line into layout.featureCount() floats and, when labelled, a class index. Throws
// ProfileError(ExitBadInput) naming the place for a wrong field count, a non-numeric value or a bad label.
void parseCsvRow(const char* begin, const char* end, const CsvLayout& layout, const QString& datasetName,
    CsvPlace place, float* features, int64_t* label);

} // namespace memoscope
