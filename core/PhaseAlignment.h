#pragma once
// Lines runs up phase by phase for comparison: run B's first forward starts where run A's does, its first
// backward where A's does, and so on, each phase stretched or squeezed to A's length. A run three times
// faster then shows its memory in the same place as the baseline's, so the eye compares bytes, not speed.
//
// The mapping is piecewise linear through matching phase boundaries: the n-th span of each phase in B is
// matched with the n-th span of the same phase in A. Past the last matched boundary, time runs at B's own
// speed from there.

#include "RunTrace.h"

#include <QVector>

namespace memoscope {

class TimeWarp {
public:
    TimeWarp() = default; // the identity: run time is axis time
    // `runNs[i]` maps to `axisNs[i]`; both strictly increasing and of one size.
    TimeWarp(QVector<qint64> runNs, QVector<qint64> axisNs);

    double toAxisNs(double runNs) const;
    double toRunNs(double axisNs) const;
    int anchorCount() const { return int(m_runNs.size()); }

private:
    QVector<qint64> m_runNs;
    QVector<qint64> m_axisNs;
};

// The warp that lays `run`'s phases onto `reference`'s (identity when none match).
TimeWarp alignPhases(const QVector<PhaseSpan>& reference, const QVector<PhaseSpan>& run);

} // namespace memoscope
