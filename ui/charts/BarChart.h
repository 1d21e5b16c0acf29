#pragma once
// Horizontal bars with their labels on the left and their sizes at their ends, on a byte axis: what was
// alive at the peak, by category or by layer. The first bar is at the top.

#include "QCustomPlotInclude.h"

#include <QWidget>

namespace memoscope {

class BarChart : public QWidget {
    Q_OBJECT
public:
    explicit BarChart(QWidget* parent = nullptr);

    // One bar per label; a missing colour falls back to seriesColor.
    void setBars(const QStringList& labels, const QVector<double>& bytes, const QVector<QColor>& colours);

    QCustomPlot* plot() const;
    QSize sizeHint() const override;

private:
    QCustomPlot* m_plot;
    int m_barCount = 0;
};

} // namespace memoscope
