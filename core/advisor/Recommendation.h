#pragma once
// One thing the advisor tells the user to do, with what it predicts and why.

#include "Plan.h"
#include "Risk.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace memoscope {

enum class Lever {
    PruneStructured,
    PruneUnstructured,
    Int8Dynamic,
    Int8Static,
    Int8WeightOnly,
    Bf16,
    Fp16,
    Distill,
    Checkpoint,
    Batch,
    StreamData,
    OptimizerState,
    ShardOptimizerState, // ZeroRedundancyOptimizer across a data-parallel job's ranks
};

struct Recommendation {
    Lever lever = Lever::Bf16;
    QString technique; // in the user's words: "int8 dynamic quantization", "gradient checkpointing"
    QString settings; // what to type: "int8-dynamic" (an --apply step) or "--optimizer sgd" (a profile option)
    qint64 predictedSavingBytes = 0;
    double predictedSavingFraction = 0; // of the measured peak
    qint64 predictedPeakBytes = 0;
    Risk risk;
    QString reason; // one line from the profile
    bool appliedByOptimize = false; // `memoscope-cli optimize --apply` (and so `advise --apply`) can carry it out
    Plan plan; // this recommendation alone, to fill in a workbench or start a budget plan

    // {technique, settings, predicted_saving_bytes, predicted_saving_percent, predicted_peak_bytes, risk,
    //  risk_text, expected_accuracy_loss, extra_compute, reason, applied_by_optimize}
    QJsonObject toJson() const;
};

struct Advice {
    qint64 runId = -1;
    RunMode mode = RunMode::Inference;
    qint64 measuredPeakBytes = 0;
    QVector<Recommendation> recommendations; // best first
    QStringList notes; // levers that do not apply to this run, and why
};

} // namespace memoscope
