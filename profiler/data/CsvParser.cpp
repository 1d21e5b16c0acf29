#include "CsvParser.h"

#include "profiler/ProfileError.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace memoscope {

namespace {
    constexpr qsizetype chunkBytes = 1 << 20;

    bool isSpace(char c) { return c == ' ' || c == '\t'; }

    // Trims spaces and one pair of surrounding double quotes.
    void trimField(const char*& begin, const char*& end)
    {
        while (begin < end && isSpace(*begin))
            ++begin;
        while (end > begin && isSpace(end[-1]))
            --end;
        if (end - begin >= 2 && *begin == '"' && end[-1] == '"') {
            ++begin;
            --end;
        }
    }

    // std::from_chars does not depend on the C locale (a Qt program sets it from the environment, and strtod
    // would then read "1.5" as 1 in a German locale), but it refuses a leading '+'.
    template <typename T> bool parseNumber(const char* begin, const char* end, T* value)
    {
        if (begin < end && *begin == '+')
            ++begin;
        if (begin == end)
            return false;
        const auto result = std::from_chars(begin, end, *value);
        return result.ec == std::errc() && result.ptr == end && std::isfinite(*value);
    }

    QString fieldText(const char* begin, const char* end)
    {
        const qsizetype length = std::min<qsizetype>(end - begin, 40);
        return QString::fromUtf8(begin, length) + (end - begin > length ? QStringLiteral("...") : QString());
    }
}

CsvLineReader::CsvLineReader(QIODevice& device)
    : m_device(device)
{
    m_bufferOffset = device.pos();
}

bool CsvLineReader::next(const char** begin, const char** end, qint64* offset)
{
    for (;;) {
        const qsizetype newline = m_buffer.indexOf('\n', m_position);
        if (newline >= 0 || (m_atEnd && m_position < m_buffer.size())) {
            const qsizetype stop = newline >= 0 ? newline : m_buffer.size();
            *begin = m_buffer.constData() + m_position;
            *end = m_buffer.constData() + stop;
            if (*end > *begin && (*end)[-1] == '\r')
                --*end;
            *offset = m_bufferOffset + m_position;
            m_position = newline >= 0 ? newline + 1 : stop;
            return true;
        }
        if (m_atEnd)
            return false;
        m_buffer.remove(0, m_position);
        m_bufferOffset += m_position;
        m_position = 0;
        const QByteArray chunk = m_device.read(chunkBytes);
        if (chunk.isEmpty())
            m_atEnd = true;
        m_buffer.append(chunk);
    }
}

QString CsvPlace::text() const
{
    return isLine ? QStringLiteral("line %1").arg(number) : QStringLiteral("row %1").arg(number);
}

CsvLayout parseCsvHeader(QByteArray line, const QString& datasetName, const std::vector<int64_t>& sampleShape)
{
    if (line.startsWith("\xEF\xBB\xBF")) // a byte order mark, as spreadsheet programs write
        line.remove(0, 3);
    CsvLayout layout;
    if (!line.contains(',') && line.contains(';'))
        layout.separator = ';';
    else if (!line.contains(',') && line.contains('\t'))
        layout.separator = '\t';

    bool allNumbers = true;
    for (const QByteArray& field : line.split(layout.separator)) {
        const char* begin = field.constData();
        const char* end = begin + field.size();
        trimField(begin, end);
        double value;
        allNumbers = allNumbers && parseNumber(begin, end, &value);
        layout.columns << QString::fromUtf8(begin, end - begin);
    }
    if (allNumbers)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has no header line (line 1 holds only numbers); add a first line naming the "
                           "columns, e.g. p0,p1,...,label")
                .arg(datasetName));

    for (const char* name : { "label", "target", "class" }) {
        for (int column = 0; column < layout.columns.size() && layout.labelColumn < 0; ++column)
            if (layout.columns[column].compare(QLatin1String(name), Qt::CaseInsensitive) == 0)
                layout.labelColumn = column;
        if (layout.labelColumn >= 0)
            break;
    }
    if (layout.labelColumn < 0) {
        int64_t modelValues = 1;
        for (int64_t size : sampleShape)
            modelValues *= size;
        const bool allFeatures = !sampleShape.empty() && modelValues == layout.columns.size();
        layout.labelColumn = allFeatures ? -1 : int(layout.columns.size()) - 1;
    }
    if (layout.featureCount() < 1)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has no feature columns besides its label column %2; a CSV data set needs a "
                           "header, one column per input value, and optionally a label column")
                .arg(datasetName, layout.columns.value(layout.labelColumn)));
    return layout;
}

bool isBlankLine(const char* begin, const char* end)
{
    return std::all_of(begin, end, [](char c) { return isSpace(c) || c == '\r'; });
}

void parseCsvRow(const char* begin, const char* end, const CsvLayout& layout, const QString& datasetName,
    CsvPlace place, float* features, int64_t* label)
{
    const qsizetype fields = 1 + std::count(begin, end, layout.separator);
    if (fields != layout.columns.size())
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1, %2: %3 fields but the header has %4 columns; every row needs one value per "
                           "column")
                .arg(datasetName, place.text())
                .arg(fields)
                .arg(layout.columns.size()));
    const char* fieldBegin = begin;
    for (int column = 0; column < layout.columns.size(); ++column) {
        const char* fieldEnd = static_cast<const char*>(std::memchr(fieldBegin, layout.separator, end - fieldBegin));
        if (!fieldEnd)
            fieldEnd = end;
        const char* valueBegin = fieldBegin;
        const char* valueEnd = fieldEnd;
        trimField(valueBegin, valueEnd);
        if (column == layout.labelColumn) {
            double value;
            if (!parseNumber(valueBegin, valueEnd, &value) || value < 0 || value != std::floor(value) || value > 9.0e15)
                throw ProfileError(ExitBadInput,
                    QStringLiteral("data set %1, %2: the label '%3' in column %4 is not a class index (an integer "
                                   ">= 0)")
                        .arg(datasetName, place.text(), fieldText(valueBegin, valueEnd), layout.columns[column]));
            *label = int64_t(value);
        } else {
            if (!parseNumber(valueBegin, valueEnd, features))
                throw ProfileError(ExitBadInput,
                    QStringLiteral("data set %1, %2, column %3: '%4' is not a finite number")
                        .arg(datasetName, place.text(), layout.columns[column], fieldText(valueBegin, valueEnd)));
            ++features;
        }
        fieldBegin = fieldEnd + 1;
    }
}

} // namespace memoscope
