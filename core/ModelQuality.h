#pragma once
// What a compared run's model is worth, beside what it costs: its accuracy on labelled data and how often its
// top-1 class agrees with the original's. `optimize` measures both for the optimized model and the accuracy of
// the original too, and stores them with the optimized run; the original's run gets its figures from an
// optimization of it among the runs compared.

#include "Store.h"

#include <QVector>

namespace memoscope {

// An optimized run's accuracy after its last step; the original's as measured when one of `compared`
// optimized it. NaN when no labelled data measured it.
double accuracyOfRun(const StoredRun& run, const QVector<StoredRun>& compared);

// An optimized run's top-1 agreement with its original; 1 for an original that one of `compared` optimized.
// NaN otherwise, and for outputs that are not class scores.
double top1AgreementOfRun(const StoredRun& run, const QVector<StoredRun>& compared);

} // namespace memoscope
