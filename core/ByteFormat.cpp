#include "ByteFormat.h"

#include <QRegularExpression>
#include <cstdlib>

namespace memoscope {

QString formatBytes(qint64 bytes)
{
    const double magnitude = double(std::llabs(bytes));
    const QString sign = bytes < 0 ? QStringLiteral("-") : QString();
    if (magnitude < 1024)
        return sign + QStringLiteral("%1 B").arg(qint64(magnitude));
    static const char* const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double value = magnitude / 1024;
    int unit = 0;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    const int decimals = value < 10 ? 2 : (value < 100 ? 1 : 0);
    return sign + QStringLiteral("%1 %2").arg(value, 0, 'f', decimals).arg(QLatin1String(units[unit]));
}

QString formatByteDelta(qint64 bytes)
{
    return (bytes > 0 ? QStringLiteral("+") : QString()) + formatBytes(bytes);
}

bool parseByteSize(const QString& text, qint64* bytes)
{
    static const QRegularExpression form(QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:i?B)?\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = form.match(text);
    if (!match.hasMatch())
        return false;
    const QString unit = match.captured(2).toUpper();
    const int power = unit.isEmpty() ? 0 : int(QStringLiteral("KMGT").indexOf(unit)) + 1;
    double value = match.captured(1).toDouble();
    for (int i = 0; i < power; ++i)
        value *= 1024;
    if (value < 1 || value > 9.0e18)
        return false;
    *bytes = qint64(value);
    return true;
}

} // namespace memoscope
