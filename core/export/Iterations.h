#pragma once

#include "core/Store.h"

#include <algorithm>

namespace memoscope {

// The measured iterations of a run, as runToJson counts them for per-iteration figures: from its phase spans,
// else from its configuration (a run without spans, such as one that failed early).
inline int measuredIterations(const StoredRun& run)
{
    const int fromSpans = run.trace.iterationCount();
    return std::max(1, fromSpans > 0 ? fromSpans : run.summary.config.iterations);
}

} // namespace memoscope
