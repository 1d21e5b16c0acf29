#include "ProgressLines.h"

#include <cstdio>

namespace memoscope {

void printProfileProgress(const ProfileProgress& progress)
{
    std::fprintf(stderr, "%s\n", progress.toJson().constData());
    std::fflush(stderr);
}

void printStepProgress(const QString& step)
{
    ProgressLine line;
    line.stage = ProgressLine::Stage::Optimizing;
    line.step = step;
    printProfileProgress(line);
}

} // namespace memoscope
