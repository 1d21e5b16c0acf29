#pragma once
// Translucent bands behind a timeline's data, one per phase span of the run (none merged, so every
// iteration's forward, loss, backward and optimizer step can be told apart), each named where it is wider than
// its name. One layerable draws them all: as 300 separate plot items they cost 30 ms a replot.

#include "QCustomPlotInclude.h"
#include "core/RunTrace.h"

#include <array>

namespace memoscope {

class PhaseBands : public QCPLayerable {
    Q_OBJECT
public:
    static constexpr const char* layerName = "phases";

    // Draws on the plot layer "phases", created below the grid, so the bands sit behind everything else.
    explicit PhaseBands(QCustomPlot* plot);

    // `endNs` closes spans that were never closed (a run that failed mid-phase).
    void setSpans(const QVector<PhaseSpan>& spans, qint64 endNs);
    void clear();
    const QVector<PhaseSpan>& spans() const { return m_spans; }
    // Indexes of the spans whose name fits in the band at the current zoom.
    QVector<int> labelledSpans() const;

protected:
    void applyDefaultAntialiasingHint(QCPPainter* painter) const override;
    QRect clipRect() const override;
    void draw(QCPPainter* painter) override;

private:
    QRect bandRect(int span) const; // in pixels, the whole height of the axis rect
    bool fitsLabel(const QRect& band, Phase phase) const;

    QVector<PhaseSpan> m_spans;
    QFont m_font;
    std::array<int, PhaseCount> m_labelWidths {}; // measured once: text layout per band and replot is slow
    std::array<QColor, PhaseCount> m_opaqueColours;
};

} // namespace memoscope
