#pragma once
// An axis of byte counts: ticks fall on round numbers of one binary unit ("0, 2.5 MiB, 5 MiB, 7.5 MiB"),
// the unit chosen from the largest value shown so that every label of the axis uses the same one.

#include "QCustomPlotInclude.h"

namespace memoscope {

class ByteAxisTicker : public QCPAxisTicker {
public:
    // The binary unit (1, 1024, 1024^2...) in which a value of this size is labelled, and its name.
    static double unitFor(double bytes);
    static QString unitName(double unit);

protected:
    double getTickStep(const QCPRange& range) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;

private:
    double m_unit = 1;
};

// Puts a ByteAxisTicker on the axis.
void setByteTicker(QCPAxis* axis);

} // namespace memoscope
