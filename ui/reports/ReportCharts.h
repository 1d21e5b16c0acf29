#pragma once
// The report's charts, drawn by the same QCustomPlot building blocks as the desktop app's views (stacked
// areas, phase bands, peak markers, byte axes, one palette) but synchronously: a report is made in one go,
// in the CLI or behind a dialog, so there is no resampling worker or event loop to wait for. The level of
// detail is the views' own (computeLevelOfDetail, one point per pixel column, no peak lost).
//
// Needs a QApplication (QCustomPlot is a widget); the widgets are never shown, so the offscreen platform
// does. Images come out at `scale` times `size` pixels, for sharp print.

#include "ReportInput.h"

#include <QImage>
#include <QSize>

namespace memoscope {

constexpr double reportImageScale = 2.0;

// Live memory over the whole run, stacked by category, with phase bands and the peak marked.
QImage timelineImage(const ReportRun& run, QSize size, double scale = reportImageScale);
// What was alive at the peak, by category, largest first.
QImage categoriesAtPeakImage(const StoredRun& run, QSize size, double scale = reportImageScale);
// Every run's total live memory on one time axis, one colour per run.
QImage overlaidTimelinesImage(const QVector<ReportRun>& runs, QSize size, double scale = reportImageScale);

} // namespace memoscope
