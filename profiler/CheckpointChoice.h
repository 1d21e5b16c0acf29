#pragma once
// What `--checkpoint` asks for, turned into the module paths of the segments to checkpoint: none, auto (about
// sqrt(n) segments over the model's top-level blocks), a list of module paths, or budget=BYTES, planned from
// measured runs of the model.

#include "core/RunConfig.h"

#include <torch/script.h>

#include <string>
#include <vector>

namespace memoscope {

bool isCheckpointBudget(const QString& choice);
bool isCheckpointSelective(const QString& choice); // selective or selective=BYTES

// none (or empty), auto, or MODULE[,MODULE...], on the loaded model. Throws ProfileError(ExitBadInput) for an
// empty list; applyCheckpointing checks the paths themselves.
std::vector<std::string> checkpointSegments(const QString& choice, const torch::jit::Module& root);

struct CheckpointBudgetPlan {
    std::vector<std::string> segments;
    qint64 plannedPeakBytes = 0;
    double plannedStepMs = 0; // selective plans: the measured step plus the predicted recompute
};

// budget=BYTES: the automatic segments are the candidates. One training step of `config` without
// checkpointing is measured, and core/CheckpointPlan.h replays its events for each set of candidates to pick the
// one with the least recomputation whose peak fits; the chosen plan is then run once to check it, and replanned
// with a tighter budget when it peaks over (calibration runs go to a throw-away database). Throws
// ProfileError(ExitBadInput) for a malformed budget, a budget below the parameters alone, a model without
// candidate blocks, or a budget no plan meets (saying the lowest peak one reaches).
CheckpointBudgetPlan planCheckpointBudget(const RunConfig& config);

// selective[=BYTES]: the candidates are the blocks of selectiveCheckpointSegments, each with the convolutions
// whose outputs it can keep. One training step without checkpointing is measured, and core/CheckpointPlan.h's
// curve is replayed from it: with a budget, the plan with the least recompute that fits (run once to check, and
// replanned tighter when it peaks over, as budget= is); without, the best trade of peak against step time.
// `segments` are entries such as "layer1.0{conv1+conv2}". Throws ProfileError(ExitBadInput) for a malformed
// budget, a model without candidate blocks or a budget no plan meets.
CheckpointBudgetPlan planSelectiveCheckpointing(const RunConfig& config);

} // namespace memoscope
