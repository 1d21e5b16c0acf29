#pragma once
// Progress for the GUI's worker (`--progress`): one ProgressLine (core/WorkerProtocol) per line on stderr, which
// ui/jobs/ProfileJob reads back. A profiled run's lines carry its run id; an optimization's steps carry the step.

#include "profiler/Profiler.h"

#include <QString>

namespace memoscope {

void printProfileProgress(const ProfileProgress& progress);
void printStepProgress(const QString& step);

} // namespace memoscope
