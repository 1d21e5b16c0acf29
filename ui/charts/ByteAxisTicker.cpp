#include "ByteAxisTicker.h"

#include <cmath>

namespace memoscope {

double ByteAxisTicker::unitFor(double bytes)
{
    double unit = 1;
    while (std::abs(bytes) >= unit * 1024 && unit < std::pow(1024.0, 4))
        unit *= 1024;
    return unit;
}

QString ByteAxisTicker::unitName(double unit)
{
    static const char* const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int index = 0;
    for (double u = unit; u >= 1024 && index < 4; u /= 1024)
        ++index;
    return QLatin1String(names[index]);
}

double ByteAxisTicker::getTickStep(const QCPRange& range)
{
    m_unit = unitFor(std::max(std::abs(range.lower), std::abs(range.upper)));
    const double exactStep = range.size() / m_unit / (mTickCount + 1e-10);
    // Whole bytes cannot be split, and below one unit "0.25 B" would be noise.
    const double step = std::max(cleanMantissa(exactStep), m_unit == 1 ? 1.0 : 1e-3);
    return step * m_unit;
}

QString ByteAxisTicker::getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision)
{
    Q_UNUSED(locale)
    Q_UNUSED(formatChar)
    Q_UNUSED(precision)
    if (std::abs(tick) < m_unit * 1e-9)
        return QStringLiteral("0");
    // Five significant digits drop the floating-point noise of steps such as 0.2 without rounding real ticks;
    // no group separators, like formatBytes.
    return QString::number(tick / m_unit, 'g', 5) + QLatin1Char(' ') + unitName(m_unit);
}

void setByteTicker(QCPAxis* axis) { axis->setTicker(QSharedPointer<ByteAxisTicker>::create()); }

} // namespace memoscope
