#include "TraceLine.h"

namespace memoscope {

namespace {
    const char* skipSpaces(const char* at, const char* end)
    {
        while (at < end && (*at == ' ' || *at == '\t'))
            ++at;
        return at;
    }
}

bool TraceLine::parse(const QByteArray& line)
{
    m_count = 0;
    const char* at = line.constData();
    const char* const end = at + line.size();
    at = skipSpaces(at, end);
    if (at == end || *at++ != '[')
        return false;
    for (;;) {
        at = skipSpaces(at, end);
        if (at == end || m_count == maxFields)
            return false;
        Field& field = m_fields[size_t(m_count)];
        if (*at == '"') {
            field.begin = ++at;
            while (at < end && *at != '"' && *at != '\\')
                ++at;
            if (at == end || *at != '"')
                return false;
            field.length = int(at - field.begin);
            field.quoted = true;
            ++at;
        } else {
            field.begin = at;
            if (at < end && *at == '-')
                ++at;
            const char* digits = at;
            while (at < end && *at >= '0' && *at <= '9')
                ++at;
            if (at == digits || at - digits > 18)
                return false;
            field.length = int(at - field.begin);
            field.quoted = false;
        }
        ++m_count;
        at = skipSpaces(at, end);
        if (at == end)
            return false;
        if (*at == ']')
            return skipSpaces(at + 1, end) == end;
        if (*at++ != ',')
            return false;
    }
}

bool TraceLine::integer(int index, qint64* value) const
{
    if (index < 0 || index >= m_count || m_fields[size_t(index)].quoted)
        return false;
    const Field& field = m_fields[size_t(index)];
    const char* at = field.begin;
    const char* const end = field.begin + field.length;
    const bool negative = *at == '-';
    if (negative)
        ++at;
    qint64 result = 0;
    for (; at < end; ++at)
        result = result * 10 + (*at - '0');
    *value = negative ? -result : result;
    return true;
}

bool TraceLine::text(int index, QString* value) const
{
    if (index < 0 || index >= m_count || !m_fields[size_t(index)].quoted)
        return false;
    *value = QString::fromUtf8(m_fields[size_t(index)].begin, m_fields[size_t(index)].length);
    return true;
}

} // namespace memoscope
