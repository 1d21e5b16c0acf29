#pragma once
// The layer table of a run as CSV, for spreadsheets and pandas: one row per layer in module order, with the
// figures including the layer's children and, in the self_ columns, its own share (as in `show --json`).

#include "core/Store.h"

#include <QByteArray>

namespace memoscope {

QByteArray layerTableCsv(const StoredRun& run);

} // namespace memoscope
