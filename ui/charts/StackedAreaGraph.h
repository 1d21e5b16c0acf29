#pragma once
// One series of a stacked area chart: a QCPGraph whose line is the top edge of its band and which fills the
// band down to the series below it. QCustomPlot's own channel fill turns each band into one polygon with
// thousands of vertical edges, which the raster engine fills slowly (a 23-series stack of 1,400 points took
// 0.8 s to replot); with at most about one point per pixel, one rectangle per point is exact and fast. Bands
// are opaque, so rounding neighbours to whole pixels never leaves seams, and every point keeps at least its
// pixel column, so no peak disappears. The graph's pen, when set, draws the band's top edge.

#include "QCustomPlotInclude.h"

#include <QPointer>

namespace memoscope {

class StackedAreaGraph : public QCPGraph {
    Q_OBJECT
public:
    StackedAreaGraph(QCPAxis* keyAxis, QCPAxis* valueAxis);

    // The series the band starts from; nullptr for the zero line. It must have the same keys.
    void setBelow(QCPGraph* below);
    void setBandBrush(const QBrush& brush);
    QBrush bandBrush() const { return m_bandBrush; }

protected:
    void draw(QCPPainter* painter) override;
    void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override;

private:
    void drawBand(QCPPainter* painter) const;

    QPointer<QCPGraph> m_below;
    QBrush m_bandBrush;
};

} // namespace memoscope
