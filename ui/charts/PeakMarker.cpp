#include "PeakMarker.h"

#include "core/ByteFormat.h"

namespace memoscope {

PeakMarker::PeakMarker(QCustomPlot* plot, const QColor& colour, const QString& layerName)
    : m_plot(plot)
{
    if (!m_plot->layer(layerName))
        m_plot->addLayer(layerName, m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    QCPLayer* layer = m_plot->layer(layerName);

    m_line = new QCPItemStraightLine(m_plot);
    m_line->setObjectName(QStringLiteral("peakLine"));
    m_line->setLayer(layer);
    m_line->setSelectable(false);
    m_line->setPen(QPen(colour, 1.2, Qt::DashLine));

    m_dot = new QCPItemTracer(m_plot);
    m_dot->setLayer(layer);
    m_dot->setSelectable(false);
    m_dot->setStyle(QCPItemTracer::tsCircle);
    m_dot->setSize(7);
    m_dot->setPen(QPen(colour.darker(130), 1.5));
    m_dot->setBrush(Qt::white);

    m_label = new QCPItemText(m_plot);
    m_label->setObjectName(QStringLiteral("peakLabel"));
    m_label->setLayer(layer);
    m_label->setSelectable(false);
    m_label->setColor(colour.darker(130));
    QFont font = m_plot->font();
    font.setBold(true);
    m_label->setFont(font);
    m_label->setPadding(QMargins(4, 1, 4, 1));
    m_label->setBrush(QColor(255, 255, 255, 210)); // readable over the stacked areas
    m_label->setClipToAxisRect(true);
    // Follows the dot, a few pixels up and to the side, whatever the zoom.
    m_label->position->setParentAnchor(m_dot->position);
    hide();
}

PeakMarker::~PeakMarker()
{
    // The plot deletes its items itself when it goes first.
    if (m_plot && m_plot->hasItem(m_line)) {
        m_plot->removeItem(m_line);
        m_plot->removeItem(m_dot);
        m_plot->removeItem(m_label);
    }
}

void PeakMarker::show(double x, qint64 bytes, const QString& text)
{
    m_line->point1->setCoords(x, 0);
    m_line->point2->setCoords(x, 1);
    m_dot->position->setCoords(x, double(bytes));
    m_label->setText(text.isEmpty() ? QStringLiteral("peak %1").arg(formatBytes(bytes)) : text);
    m_line->setVisible(true);
    m_dot->setVisible(true);
    m_label->setVisible(true);
    updatePlacement();
}

void PeakMarker::hide()
{
    m_line->setVisible(false);
    m_dot->setVisible(false);
    m_label->setVisible(false);
}

void PeakMarker::updatePlacement()
{
    const QCPRange range = m_plot->xAxis->range();
    const bool rightHalf = m_dot->position->coords().x() > range.center();
    m_label->setPositionAlignment(Qt::AlignBottom | (rightHalf ? Qt::AlignRight : Qt::AlignLeft));
    m_label->position->setCoords(rightHalf ? -5 : 5, -4);
}

} // namespace memoscope
