#pragma once
// The look and the mouse handling shared by the time charts: time in ms across, live bytes up, zoom and pan
// along time only, the legend in a column of its own on the right so it never covers data.

#include "QCustomPlotInclude.h"

namespace memoscope {

void styleTimePlot(QCustomPlot* plot);
// Moves the plot's legend out of the axis rect into a column on the right, top-aligned.
void placeLegendRight(QCustomPlot* plot);
// Keeps a time range (ms) within [0, endMs] and no narrower than a microsecond-scale minimum; returns it
// unchanged when it already fits.
QCPRange clampTimeRange(const QCPRange& range, double endMs);

} // namespace memoscope
