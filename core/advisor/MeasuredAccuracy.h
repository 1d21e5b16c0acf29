#pragma once
// What `optimize` measured on this model before: the accuracy its steps really cost on labelled data. The
// advisor's accuracy losses are priors (Risk.h); where the same steps were applied to the same model (same file
// contents) and measured, the measurement replaces the prior.

#include "core/Store.h"

#include <QStringList>
#include <QVector>
#include <optional>

namespace memoscope {

struct MeasuredAccuracy {
    QStringList steps; // --apply steps in order, each in TechniqueStep::canonical() spelling ("distill" included)
    double before = 0; // the original's accuracy
    double after = 0; // after the last of `steps`
    qint64 runId = -1; // the optimized run whose record measured it
};

// Every prefix of the steps of stored optimizations whose original has the contents (sha256) of `run`'s model,
// newest first.
QVector<MeasuredAccuracy> measuredAccuracies(Store& store, const StoredRun& run);

// The newest measurement of exactly `steps` (any spelling), if any.
std::optional<MeasuredAccuracy> measurementOf(const QVector<MeasuredAccuracy>& measured, const QStringList& steps);

} // namespace memoscope
