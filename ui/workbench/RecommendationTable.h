#pragma once
// The advisor's recommendations as the workbench shows them: a table that fits the dock's default width.

#include "ui/models/RecommendationModel.h"

#include <QTableView>

namespace memoscope {

// Saving and risk fit their contents; the lever and what it changes share the rest, wrapped, whole on hover: no
// horizontal scrolling at the dock's default width.
QTableView* recommendationTable(RecommendationModel* model, QWidget* parent);

} // namespace memoscope
