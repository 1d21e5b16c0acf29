#pragma once
// The report's tables of figures, as HTML: runs compared metric by metric, a run's layers, and the per-layer
// difference between two runs.

#include "core/Store.h"

#include <QString>
#include <QVector>

namespace memoscope {

// CompareModel's metrics, one row each: a column per run, then each later run's difference from the first,
// coloured as the desktop app colours it.
QString comparisonTableHtml(const QVector<StoredRun>& runs);

// Layers sorted by what they and their children owned at the peak, at most `maxRows` of them.
QString layerTableHtml(const StoredRun& run, int maxRows);

// `b` minus `a`, layer by layer (own figures), largest change first, at most `maxRows` rows.
QString layerDifferenceHtml(const StoredRun& a, const StoredRun& b, int maxRows);

} // namespace memoscope
