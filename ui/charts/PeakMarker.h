#pragma once
// Marks a run's peak on a timeline: a dashed vertical line at the peak's time, a dot at its height and a label
// ("peak 98.2 MiB") on whichever side of the line has room.

#include "QCustomPlotInclude.h"

#include <QPointer>

namespace memoscope {

class PeakMarker {
public:
    // Items go on `layer` (created above "main" when missing) so the stacked areas never cover them.
    PeakMarker(QCustomPlot* plot, const QColor& colour, const QString& layer = QStringLiteral("markers"));
    ~PeakMarker();
    PeakMarker(const PeakMarker&) = delete;
    PeakMarker& operator=(const PeakMarker&) = delete;

    // At `x` on the time axis (ms); `text` defaults to "peak <bytes>".
    void show(double x, qint64 bytes, const QString& text = QString());
    void hide();
    // Puts the label on the left of the line when the peak is in the right half of the view.
    void updatePlacement();

    QCPItemStraightLine* line() const { return m_line; }
    QCPItemText* label() const { return m_label; }

private:
    QPointer<QCustomPlot> m_plot;
    QCPItemStraightLine* m_line;
    QCPItemTracer* m_dot;
    QCPItemText* m_label;
};

} // namespace memoscope
