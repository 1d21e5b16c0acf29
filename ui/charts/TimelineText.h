#pragma once
// The words the timeline views show: the tooltip at a moment and the summary of a selected range.

#include "core/Timeline.h"

#include <QString>

namespace memoscope {

// "12.345 ms": more decimals for short times, so that zooming into microseconds still tells moments apart.
QString formatMilliseconds(qint64 ns);

// Time, live bytes, the layer and op running then, and the phase.
QString describeMoment(const Timeline& timeline, const TimelineMoment& moment);

// The total before → after, then the series that changed most (by size of the change, at most `biggest`).
QString describeChange(const Timeline& timeline, StackBy by, qint64 fromNs, qint64 toNs, int biggest = 5);

} // namespace memoscope
