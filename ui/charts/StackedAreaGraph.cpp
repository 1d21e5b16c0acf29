#include "StackedAreaGraph.h"

#include <algorithm>
#include <cmath>

namespace memoscope {

StackedAreaGraph::StackedAreaGraph(QCPAxis* keyAxis, QCPAxis* valueAxis)
    : QCPGraph(keyAxis, valueAxis)
{
    setLineStyle(lsStepLeft); // live bytes hold their value until the next event
    setBrush(Qt::NoBrush); // QCPGraph must not fill: drawBand does
    // Steps are horizontal and vertical strokes: crisp without antialiasing, which would double the replot time.
    setAntialiased(false);
}

void StackedAreaGraph::setBelow(QCPGraph* below) { m_below = below; }

void StackedAreaGraph::setBandBrush(const QBrush& brush) { m_bandBrush = brush; }

void StackedAreaGraph::draw(QCPPainter* painter)
{
    drawBand(painter);
    QCPGraph::draw(painter);
}

void StackedAreaGraph::drawBand(QCPPainter* painter) const
{
    const QCPAxis* keys = keyAxis();
    const QCPAxis* values = valueAxis();
    if (!keys || !values || m_bandBrush.style() == Qt::NoBrush || mDataContainer->size() < 2)
        return;
    const QCPGraphDataContainer* below = m_below ? m_below->data().data() : nullptr;
    if (below && below->size() != mDataContainer->size())
        below = nullptr; // not resampled together: never happens in a stack, but never read past its end
    const double zero = values->coordToPixel(0);
    const QRect clip = clipRect();
    // Until a zoom's resampled data arrives, the old points can lie far outside: clamp before rounding to int.
    auto keyPixel = [&](double key) {
        return int(std::lround(std::clamp<double>(keys->coordToPixel(key), clip.left() - 2, clip.right() + 2)));
    };

    QVector<QRect> rects;
    rects.reserve(mDataContainer->size());
    auto top = mDataContainer->constBegin();
    auto bottom = below ? below->constBegin() : QCPGraphDataContainer::const_iterator();
    for (auto next = top + 1; next != mDataContainer->constEnd(); top = next++) {
        const int left = keyPixel(top->key);
        const int right = keyPixel(next->key);
        const double bottomPixel = below ? values->coordToPixel((bottom++)->value) : zero;
        if (right < clip.left() || left > clip.right())
            continue;
        const int upper = int(std::lround(values->coordToPixel(top->value)));
        const int lower = int(std::lround(bottomPixel));
        if (lower <= upper)
            continue;
        // Every point gets at least its pixel column. Where points share a column their rectangles overlap, and
        // as a band has one colour the column shows their union: a peak narrower than a pixel stays visible.
        const QRect rect(QPoint(left, upper), QPoint(std::max(left, right - 1), lower - 1));
        if (!rects.isEmpty() && rects.back().right() + 1 == left && rects.back().top() == upper
            && rects.back().bottom() == lower - 1)
            rects.back().setRight(rect.right()); // flat stretches become one rectangle
        else
            rects << rect;
    }
    painter->save();
    painter->setAntialiasing(false);
    painter->setPen(Qt::NoPen);
    painter->setBrush(m_bandBrush);
    painter->drawRects(rects.constData(), int(rects.size()));
    painter->restore();
}

void StackedAreaGraph::drawLegendIcon(QCPPainter* painter, const QRectF& rect) const
{
    const QRectF swatch = rect.adjusted(1, 2, -1, -2);
    painter->setAntialiasing(false);
    painter->fillRect(swatch, m_bandBrush);
    painter->setPen(pen().style() == Qt::NoPen ? QPen(m_bandBrush.color().darker(130)) : pen());
    painter->setBrush(Qt::NoBrush);
    painter->drawRect(swatch);
}

} // namespace memoscope
