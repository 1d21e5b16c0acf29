#include "PhaseBands.h"

#include "ChartColors.h"

#include <algorithm>
#include <cmath>

namespace memoscope {

PhaseBands::PhaseBands(QCustomPlot* plot)
    : QCPLayerable(plot)
    , m_font(plot->font())
{
    if (!plot->layer(QLatin1String(layerName)))
        plot->addLayer(QLatin1String(layerName), plot->layer(QStringLiteral("grid")), QCustomPlot::limBelow);
    setLayer(QLatin1String(layerName));
    if (m_font.pointSizeF() > 0)
        m_font.setPointSizeF(m_font.pointSizeF() * 0.85);
    const QFontMetrics metrics(m_font);
    const QColor background = plot->axisRect()->backgroundBrush().style() == Qt::SolidPattern
        ? plot->axisRect()->backgroundBrush().color()
        : QColor(Qt::white); // QCustomPlot's own background, which it does not report
    for (Phase phase : allPhases()) {
        m_labelWidths[size_t(phase)] = metrics.horizontalAdvance(phaseName(phase));
        // The tint as it looks over the background: blending 300 translucent bands costs 20 ms a replot.
        const QColor tint = phaseBandColor(phase);
        const double a = tint.alphaF();
        const auto mix = [&](double over, double under) { return float(a * over + (1 - a) * under); };
        m_opaqueColours[size_t(phase)] = QColor::fromRgbF(mix(tint.redF(), background.redF()),
            mix(tint.greenF(), background.greenF()), mix(tint.blueF(), background.blueF()));
    }
}

void PhaseBands::setSpans(const QVector<PhaseSpan>& spans, qint64 endNs)
{
    m_spans = spans;
    for (PhaseSpan& span : m_spans)
        if (span.endNs < span.startNs)
            span.endNs = std::max(endNs, span.startNs);
}

void PhaseBands::clear() { m_spans.clear(); }

void PhaseBands::applyDefaultAntialiasingHint(QCPPainter* painter) const
{
    applyAntialiasingHint(painter, false, QCP::aeOther); // whole-pixel edges: adjacent bands never overlap
}

QRect PhaseBands::clipRect() const { return mParentPlot->axisRect()->rect(); }

QRect PhaseBands::bandRect(int span) const
{
    const QCPAxis* axis = mParentPlot->xAxis;
    const QRect area = clipRect();
    // Spans are in ns, the axis in ms. Deep in a zoom, far spans lie millions of pixels away: clamp before
    // rounding to int.
    auto pixel = [&](qint64 ns) {
        const double x = axis->coordToPixel(double(ns) / 1e6);
        return int(std::lround(std::clamp<double>(x, area.left() - 2, area.right() + 2)));
    };
    const int left = pixel(m_spans[span].startNs);
    const int right = pixel(m_spans[span].endNs);
    return QRect(QPoint(left, area.top()), QPoint(std::max(left, right - 1), area.bottom()));
}

bool PhaseBands::fitsLabel(const QRect& band, Phase phase) const
{
    return band.width() > m_labelWidths[size_t(phase)] + 6;
}

QVector<int> PhaseBands::labelledSpans() const
{
    QVector<int> labelled;
    const QRect area = clipRect();
    for (int i = 0; i < m_spans.size(); ++i) {
        const QRect band = bandRect(i).intersected(area);
        if (!band.isEmpty() && fitsLabel(band, m_spans[i].phase))
            labelled << i;
    }
    return labelled;
}

void PhaseBands::draw(QCPPainter* painter)
{
    const QRect area = clipRect();
    QVector<QPair<QRect, Phase>> labels;
    for (int i = 0; i < m_spans.size(); ++i) {
        const QRect band = bandRect(i).intersected(area); // a label centred on what is in view stays in view
        if (band.isEmpty())
            continue;
        const Phase phase = m_spans[i].phase;
        painter->fillRect(band, m_opaqueColours[size_t(phase)]);
        if (fitsLabel(band, phase))
            labels.append({ band, phase });
    }
    painter->setFont(m_font);
    for (const auto& [band, phase] : std::as_const(labels)) {
        painter->setPen(phaseTextColor(phase));
        painter->drawText(band.adjusted(0, 3, 0, 0), Qt::AlignHCenter | Qt::AlignTop, phaseName(phase));
    }
}

} // namespace memoscope
