#include "ChartStyle.h"

#include "ByteAxisTicker.h"

namespace memoscope {

namespace {
    constexpr double narrowestMs = 1e-4; // 100 ns: below this, events of a real run do not differ
}

void styleTimePlot(QCustomPlot* plot)
{
    plot->setNoAntialiasingOnDrag(true); // panning a million-event run must stay fluid
    plot->xAxis->setLabel(QStringLiteral("time (ms)"));
    plot->yAxis->setLabel(QStringLiteral("live memory"));
    setByteTicker(plot->yAxis);
    plot->yAxis->setRange(0, 1024);
    for (QCPAxis* axis : { plot->xAxis, plot->yAxis }) {
        axis->grid()->setPen(QPen(QColor(0, 0, 0, 28), 1, Qt::DotLine));
        axis->setBasePen(QPen(QColor(0x60, 0x60, 0x60)));
    }
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->axisRect()->setRangeDrag(Qt::Horizontal);
    plot->axisRect()->setRangeZoom(Qt::Horizontal);
    plot->axisRect()->setRangeZoomFactor(0.8);
    plot->selectionRect()->setPen(QPen(QColor(0x30, 0x60, 0xA0), 1, Qt::DashLine));
    plot->selectionRect()->setBrush(QColor(0x30, 0x60, 0xA0, 40));
    placeLegendRight(plot);
}

void placeLegendRight(QCustomPlot* plot)
{
    QCPLegend* legend = plot->legend;
    legend->setVisible(true);
    QFont font = plot->font();
    if (font.pointSizeF() > 0)
        font.setPointSizeF(font.pointSizeF() * 0.9);
    legend->setFont(font);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setRowSpacing(1);
    if (legend->layout())
        legend->layout()->take(legend);
    auto* column = new QCPLayoutGrid;
    plot->plotLayout()->addElement(0, 1, column);
    column->setMargins(QMargins(0, 6, 6, 6));
    column->addElement(0, 0, legend);
    column->addElement(1, 0, new QCPLayoutElement(plot)); // takes the rest, so the legend stays at the top
    column->setRowStretchFactor(0, 0.001);
    plot->plotLayout()->setColumnStretchFactor(1, 0.001);
    legend->setLayer(QStringLiteral("legend"));
}

QCPRange clampTimeRange(const QCPRange& range, double endMs)
{
    const double end = std::max(endMs, narrowestMs);
    if (range.lower >= 0 && range.upper <= end && range.size() >= narrowestMs)
        return range;
    // Edges are set exactly (never as lower + size) so that clamping a clamped range changes nothing.
    const double size = std::clamp(range.size(), narrowestMs, end);
    if (range.lower < 0)
        return QCPRange(0, size);
    if (range.lower + size >= end)
        return QCPRange(std::max(0.0, end - size), end);
    return QCPRange(range.lower, range.lower + size);
}

} // namespace memoscope
