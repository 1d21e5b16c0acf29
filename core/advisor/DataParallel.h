#pragma once
// What data parallelism changes in one rank's memory, predicted from a single recorded rank: the optimizer's
// state sharded across N ranks (ZeroRedundancyOptimizer), and DDP's gradient buckets.

#include "core/RunTrace.h"

#include <QVector>

namespace memoscope {

// The part of the optimizer's memory one rank keeps when ZeroRedundancyOptimizer shards it.
struct OptimizerShard {
    int rank = 0;
    double stateShare = 1; // of the optimizer state: its parameters' share of all parameter bytes
    double stepShare = 1; // of the optimizer step's temporaries: its largest parameter against the largest of all
};

// ZeroRedundancyOptimizer's partition (PyTorch 1.13 and 2.x, `_partition_parameters`): the parameters sorted by
// size, largest first, each given to the rank that holds the fewest so far.
QVector<OptimizerShard> zeroShards(const QVector<qint64>& parameterBytes, int ranks);

// The size of each trainable parameter of a run, from its gradients as they were allocated (alive when the run
// began, or made by its first backward), DDP's buckets aside; from the parameters when there were none.
QVector<qint64> parameterSizes(const RunTrace& trace);

// The bytes of DDP's gradient buckets a run held at most (0 for a run without DDP).
qint64 ddpBucketBytes(const RunTrace& trace);

} // namespace memoscope
