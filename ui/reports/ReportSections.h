#pragma once
// The report's sections about one run (how it was made, where, and what an optimization did to its model)
// and the advisor's recommendations, as HTML.

#include "MachineInfo.h"
#include "ReportInput.h"

#include <QString>

namespace memoscope {

// The run's configuration, then its environment: CPU, threads, Qt, LibTorch and the quantized engine.
QString configurationHtml(const StoredRun& run, const MachineInfo& machine);

// Techniques applied, sizes before and after, fidelity to the original and accuracy.
QString optimizationHtml(const OptimizationRecord& record);

// Empty when there are no recommendations: the report then has no Advice section.
QString adviceHtml(const QVector<ReportRecommendation>& recommendations, const QVector<ReportRun>& runs);

// "#12 digits_cnn.pt" or "#12 my name": how the report names a run.
QString runLabel(const StoredRun& run);

} // namespace memoscope
