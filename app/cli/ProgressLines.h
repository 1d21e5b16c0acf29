#pragma once
// Progress for the GUI's worker (`--progress`): one compact JSON object per line on stderr, which
// ui/jobs/ProfileJob reads. A profiled run's lines carry its run id; an optimization's steps carry the step.

#include "profiler/Profiler.h"

#include <QString>

namespace memoscope {

void printProfileProgress(const ProfileProgress& progress); // {"stage","run_id","iteration","total"}
void printStepProgress(const QString& step); // {"stage": "optimizing", "step": "..."}

} // namespace memoscope
