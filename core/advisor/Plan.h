#pragma once
// A plan: the levers to pull on a profiled run, at most one setting per lever so that every plan is a valid
// combination by construction (one pruning ratio, one precision, ...). Pipeline steps come out in the order
// `memoscope-cli optimize --apply` must run them: pruning first (it needs float weights), precision last.

#include "core/RunConfig.h"

#include <QString>
#include <QStringList>

namespace memoscope {

enum class Precision { Float32, Bf16, Fp16, Int8Dynamic, Int8Static, Int8WeightOnly };

struct Plan {
    double pruneRatio = 0; // prune-structured=RATIO; 0: no pruning
    Precision precision = Precision::Float32;
    bool switchToSgd = false; // training with Adam: SGD with momentum keeps one copy of the parameters, not two
    int batchSize = 0; // 0: the batch the run was profiled with
    QStringList checkpointLayers; // modules (with their children) whose activations are recomputed in backward
    bool streamData = false; // read the data set in batches instead of holding it
    // Levers of a data-parallel job that live in the user's training code, which Memoscope cannot apply:
    int shardOptimizerRanks = 0; // ZeroRedundancyOptimizer shards the optimizer's state over this many ranks

    // A lever of the user's own code (above), described for them to make.
    bool hasCodeChanges() const { return shardOptimizerRanks > 1; }

    bool isEmpty() const;
    // The --apply steps for `optimize`, in a valid order: ["prune-structured=0.5", "int8-dynamic"].
    QStringList applySteps() const;
    // Levers that change how the run is made rather than the model: they are profile options, which
    // `optimize` cannot apply.
    bool hasRunOptions() const;
    // The profile options for those levers, in the CLI's syntax ("--optimizer sgd", "--input 4x3x224x224").
    QStringList runOptions(const RunConfig& config) const;
    // "prune-structured=0.5 + int8-dynamic + --optimizer sgd"
    QString describe(const RunConfig& config) const;
    // The same plan without its run options: what `advise --apply` can carry out today.
    Plan withoutRunOptions() const;
};

QString precisionStep(Precision precision); // "bf16", "int8-dynamic"; empty for Float32
// The batch size a run was profiled with: the first dimension of its first input; 0 when it is a file.
int batchSizeOf(const RunConfig& config);
// The run with `batch` samples per step: its input specs (and labels) with their first dimension set to it, or
// its data set read in batches of it.
RunConfig configWithBatch(const RunConfig& config, int batch);
// The same as profile options: "--input 4x3x224x224", ...
QStringList inputsWithBatch(const RunConfig& config, int batch);

} // namespace memoscope
