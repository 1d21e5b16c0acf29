#pragma once
// Choosing which blocks to checkpoint so that a training step fits a memory budget with the least
// recomputation, by replaying the measured run without checkpointing as the advisor does (PeakSimulator; see
// profiler/CheckpointChoice.h).

#include "RunConfig.h"
#include "RunTrace.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace memoscope {

struct CheckpointCandidate {
    QString path; // module path of a block, in forward order among the candidates
    double recomputeMs = 0; // its forward time: what checkpointing it adds to backward
};

struct CheckpointPlan {
    QStringList segments; // in the candidates' order
    qint64 predictedPeakBytes = 0;
    double recomputeMs = 0;
    bool fits = false; // false: even the plan with the lowest predicted peak is over the budget
};

// Among the sets of candidates whose replayed peak is within the budget, the one with the least recompute time
// (then the lower peak). Up to 10 candidates every set is tried; beyond, blocks are added greedily by bytes of
// peak saved per millisecond of recompute. When none fits, the lowest-peak plan found, with fits == false.
// `trace` is one training iteration without checkpointing, made with `config`.
CheckpointPlan planCheckpoints(const RunTrace& trace, const RunConfig& config,
    const QVector<CheckpointCandidate>& candidates, qint64 budgetBytes);

} // namespace memoscope
