#pragma once
// A comparison as `memoscope-cli compare` prints it for people.

#include "RunComparison.h"

namespace memoscope {

// The metrics table, then each run's per-layer differences against the first (at most `maxLayers` rows each).
QString comparisonToText(const RunComparison& comparison, int maxLayers);
// The ranks of one job: the peak of each, the skew, and what differs.
QString ranksToText(const RankComparison& ranks);

} // namespace memoscope
