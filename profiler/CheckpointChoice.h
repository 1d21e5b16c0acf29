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

// none (or empty), auto, or MODULE[,MODULE...], on the loaded model. Throws ProfileError(ExitBadInput) for an
// empty list; applyCheckpointing checks the paths themselves.
std::vector<std::string> checkpointSegments(const QString& choice, const torch::jit::Module& root);

struct CheckpointBudgetPlan {
    std::vector<std::string> segments;
    qint64 plannedPeakBytes = 0;
};

// budget=BYTES: the automatic segments are the candidates. One training step of `config` without
// checkpointing is measured, and core/CheckpointPlan.h replays its events for each set of candidates to pick the
// one with the least recomputation whose peak fits; the chosen plan is then run once to check it, and replanned
// with a tighter budget when it peaks over (calibration runs go to a throw-away database). Throws
// ProfileError(ExitBadInput) for a malformed budget, a budget below the parameters alone, a model without
// candidate blocks, or a budget no plan meets (saying the lowest peak one reaches).
CheckpointBudgetPlan planCheckpointBudget(const RunConfig& config);

} // namespace memoscope
