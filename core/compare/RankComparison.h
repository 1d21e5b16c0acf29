#pragma once
// The ranks of one distributed job side by side: each rank's peak and what it held then, the skew between the
// ranks, and the kinds of memory that differ between them (ZeroRedundancyOptimizer's shards of the optimizer
// state, DDP's gradient buckets, a rank that holds more activations).

#include "core/Store.h"

#include <QJsonObject>
#include <QStringList>
#include <optional>

namespace memoscope {

struct RankRow {
    qint64 runId = -1;
    int rank = -1;
    qint64 peakBytes = 0;
    CategoryBytes atPeak {};
    qint64 bucketBytes = 0; // DDP's gradient buckets at the peak (the <ddp buckets> pseudo-layer)
};

struct RankComparison {
    QVector<RankRow> ranks; // by rank
    qint64 skewBytes = 0; // the largest peak minus the smallest
    QStringList differences; // for people: "optimizer state at the peak: 20.9 MiB (rank 1) to 22.5 MiB (rank 0)"

    QJsonObject toJson() const;
};

// Only when every run is a rank of the same recorded job.
std::optional<RankComparison> compareRanks(const QVector<StoredRun>& runs);

} // namespace memoscope
