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

// Selective checkpointing (profiler/transform/CheckpointSelective.h): a checkpointed segment keeps the outputs
// of its convolutions from forward and recomputes only the rest, unless a convolution is chosen for recompute too.
struct SelectiveCandidate {
    QString segment; // module path of a block
    QStringList keepable; // full paths of the layers inside it whose outputs it can keep, in forward order
};

struct SelectivePlan {
    QStringList segments; // checkpointed, in the candidates' order
    QStringList keptLayers; // keepable layers of those segments whose outputs are kept
    qint64 predictedPeakBytes = 0;
    double recomputeMs = 0; // measured forward time of what is recomputed
    double predictedStepMs = 0; // the measured step plus the recompute
    // The --checkpoint value that runs the plan: "layer1.0{conv1+conv2},layer1.1" (kept layers relative to
    // their segment, in braces joined by '+'; a segment without braces recomputes everything).
    QString checkpointText() const;
};

// The curve of plans from none to everything: steps (checkpointing a segment with all its keepable outputs kept,
// or recomputing one kept output) are taken in order of activation bytes saved per millisecond of recompute,
// the cheapest bytes first, and each step's plan is replayed (PeakSimulator) for its peak. `stepMs` is the
// measured step without checkpointing. The first plan checkpoints nothing.
QVector<SelectivePlan> selectiveCurve(
    const RunTrace& trace, const RunConfig& config, double stepMs, const QVector<SelectiveCandidate>& candidates);

// The plan to run: with a budget (> 0), the first plan of the curve (the least recompute) whose predicted peak
// fits, or the lowest peak when none does; without one, the best trade, the plan with the smallest product of
// predicted peak and predicted step time (halving the peak is worth up to doubling the step).
int chooseSelectivePlan(const QVector<SelectivePlan>& curve, qint64 budgetBytes);

} // namespace memoscope
