#pragma once
// A stored run as the CLI prints it: JSON for scripts, a short summary for people.

#include "Store.h"

#include <QJsonArray>
#include <QJsonObject>

namespace memoscope {

QJsonObject runToJson(const StoredRun& run);
QJsonArray runListToJson(const QVector<RunSummary>& runs);

// The summary and the top `topLayers` layers by peak contribution; all layers, as a tree, when allLayers.
QString runToText(const StoredRun& run, int topLayers, bool allLayers);
QString runListToText(const QVector<RunSummary>& runs);
// User text (a run's name) for one line of a table: line breaks, tabs and other control characters escaped (\n).
QString escapedForLine(const QString& text);

// What `optimize` did, for people: applied techniques, changed and skipped layers, sizes and fidelity.
QString optimizationToText(const OptimizationRecord& record);

} // namespace memoscope
