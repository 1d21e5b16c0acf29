#include "BarChart.h"

#include "ByteAxisTicker.h"
#include "ChartColors.h"
#include "core/ByteFormat.h"

#include <QVBoxLayout>
#include <algorithm>

namespace memoscope {

namespace {
    constexpr double barWidth = 0.7; // of the space per bar
    constexpr int pixelsPerBar = 24;
}

BarChart::BarChart(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setByteTicker(m_plot->xAxis);
    m_plot->xAxis->grid()->setPen(QPen(QColor(0, 0, 0, 28), 1, Qt::DotLine));
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->yAxis->setRangeReversed(true); // first bar on top, as people read a list
    m_plot->yAxis->setTickLength(0, 0);
    m_plot->yAxis->setSubTicks(false);
}

QCustomPlot* BarChart::plot() const { return m_plot; }

QSize BarChart::sizeHint() const { return QSize(480, 60 + pixelsPerBar * std::max(m_barCount, 3)); }

void BarChart::setBars(const QStringList& labels, const QVector<double>& bytes, const QVector<QColor>& colours)
{
    m_plot->clearPlottables();
    m_plot->clearItems();
    const int count = int(std::min(labels.size(), bytes.size()));
    m_barCount = count;

    // One QCPBars per bar: a QCPBars has a single brush, and each bar has its own colour.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double lowest = 0;
    double highest = 0;
    for (int i = 0; i < count; ++i) {
        auto* bar = new QCPBars(m_plot->yAxis, m_plot->xAxis);
        bar->setName(labels[i]);
        bar->setWidth(barWidth);
        const QColor colour = i < colours.size() && colours[i].isValid() ? colours[i] : seriesColor(i, count);
        bar->setBrush(colour);
        bar->setPen(QPen(colour.darker(125)));
        bar->setSelectable(QCP::stNone);
        bar->addData(i, bytes[i]);
        ticker->addTick(i, labels[i]);
        lowest = std::min(lowest, bytes[i]);
        highest = std::max(highest, bytes[i]);

        auto* value = new QCPItemText(m_plot);
        value->setSelectable(false);
        value->setClipToAxisRect(false);
        value->position->setCoords(bytes[i], i);
        value->setPositionAlignment(Qt::AlignVCenter | (bytes[i] < 0 ? Qt::AlignRight : Qt::AlignLeft));
        value->setPadding(QMargins(4, 0, 4, 0));
        value->setText(formatBytes(qint64(bytes[i])));
    }
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setRange(-0.6, std::max(count, 1) - 0.4);
    // Room at the bar ends for the value labels.
    const double span = std::max(highest - lowest, 1.0);
    m_plot->xAxis->setRange(lowest < 0 ? lowest - 0.25 * span : 0, highest + 0.25 * span);
    updateGeometry();
    m_plot->replot();
}

} // namespace memoscope
