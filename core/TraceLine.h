#pragma once
// One event line of a trace: a flat JSON array of integers and short names, ["a",120,4096,7,3,12,"forward",...].
// Read without building a JSON document, since a trace holds millions of them; anything else JSON allows (nested
// values, escapes, fractions) is not an event line and is refused.

#include <QByteArray>
#include <QString>
#include <array>

namespace memoscope {

class TraceLine {
public:
    bool parse(const QByteArray& line); // false when the line is not such an array
    int size() const { return m_count; }
    bool integer(int index, qint64* value) const;
    bool text(int index, QString* value) const;

private:
    struct Field {
        const char* begin = nullptr;
        int length = 0;
        bool quoted = false;
    };
    static constexpr int maxFields = 12;
    std::array<Field, maxFields> m_fields {};
    int m_count = 0;
};

} // namespace memoscope
