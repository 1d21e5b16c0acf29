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

} // namespace memoscope
