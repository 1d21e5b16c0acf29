#pragma once
// The one palette of every chart (and, later, of the reports): a category, a phase or a layer looks the same
// wherever it appears. Colours are fixed per value, never picked by position in a particular chart, so that
// "gradient" is orange in the timeline, in the bar chart and in a report alike.

#include "core/Taxonomy.h"
#include "core/Timeline.h"

#include <QColor>

namespace memoscope {

QColor categoryColor(Category category);
// Solid, for series stacked by phase.
QColor phaseColor(Phase phase);
// A light translucent tint of phaseColor, for the bands that mark phase spans behind the data.
QColor phaseBandColor(Phase phase);
// Text drawn on a phase band: phaseColor darkened so it reads on the tint.
QColor phaseTextColor(Phase phase);

// A qualitative colour for series `index` of `count` named series (top-level layers, runs): Tableau 10 first
// (without its grey), then golden-angle hues alternating light and dark. A series keeps its colour whatever
// `count` is; an index outside [0, count), such as the "(no layer)" series after the named ones, is grey.
QColor seriesColor(int index, int count);
QColor noLayerColor();

// The colour of a series of a Timeline stacking: categoryColor, phaseColor, or seriesColor for layers with
// the last layer series ("(no layer)") grey.
QColor stackColor(StackBy by, int series, int seriesCount);

QColor peakColor();

} // namespace memoscope
