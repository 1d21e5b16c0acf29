#pragma once
// What a plan costs besides memory: the accuracy it may lose and the compute it adds. Accuracy loss cannot be
// read from a memory profile, so each lever carries a prior from how the technique behaves in practice (int8
// per-channel weights lose well under a point on common models; pruning half the channels loses several until
// distilled back); the budget solver only compares these, and a rerun with --data measures the real accuracy.

#include "Plan.h"

#include <QString>
#include <optional>

namespace memoscope {

enum class RiskLevel { None, Low, Medium, High };
QString riskLevelName(RiskLevel level); // "none", "low", "medium", "high"
QString riskLevelLabel(RiskLevel level); // in a sentence or a table: "no risk", "low risk", ...

struct Risk {
    RiskLevel level = RiskLevel::None;
    double expectedAccuracyLoss = 0; // a fraction, e.g. 0.01 for about one point of top-1
    double extraCompute = 0; // a fraction of the step's time, e.g. 0.3 for about 30 % longer
    bool changesWorkload = false; // a smaller batch: the user's workload, not the model, changes
    QString text; // "low risk: weights rounded to 8 bits per output channel"
    QString whatChanges() const; // text after its level: "weights rounded to 8 bits per output channel"
};

// `recomputeFraction`: the share of a training step's time spent in the forward of the layers a plan
// checkpoints (they run twice).
Risk riskOf(const Plan& plan, const RunConfig& config, double recomputeFraction);
// `prior` with the accuracy loss `optimize` measured for the same steps on the same model: `before` and `after`
// on its labelled data, by run `runId`; `afterDistilling` when those steps were also distilled and measured.
Risk withMeasuredAccuracy(const Risk& prior, double before, double after, qint64 runId,
    std::optional<double> afterDistilling = std::nullopt);
// The risk of a lever that is not a plan: unstructured pruning and distillation.
Risk unstructuredPruningRisk(double ratio);
Risk distillationRisk();

} // namespace memoscope
