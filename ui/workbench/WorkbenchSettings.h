#pragma once
// What the workbench's switches say, as the `optimize` worker's command line: every technique the user turned
// on, in the order the pipeline applies them (prune, int8, fp16, distill, bf16), so that the app does
// exactly what `memoscope-cli optimize` would. Training's run options (checkpointing, bf16 autocast, batch,
// optimizer, data set and how it is read) change how the model is run, not the model: they make a new profile of it instead. Filled by hand
// or from an advisor recommendation.

#include "core/RunConfig.h"
#include "core/advisor/Plan.h"

#include <QString>
#include <QStringList>

namespace memoscope {

struct WorkbenchSettings {
    enum class Precision { Float32, BFloat16, Float16 };
    enum class Quantization { None, Dynamic, Static, WeightOnly };

    double structuredRatio = 0; // prune-structured: share of channels removed, 0 = off
    bool l2Ranking = false; // rank channels by L2 instead of L1 norm
    bool globalRanking = false; // one ranking across layers instead of the same ratio in each
    double unstructuredRatio = 0; // prune-unstructured: share of weights zeroed, 0 = off
    bool sparseStorage = false; // store mostly-zero weights sparse on export
    bool distill = false;
    QString distillData; // a data set spec: demo-digits, a CSV, an image folder, a tensor file
    int distillEpochs = 10;
    int distillBatch = 64;
    double distillLearningRate = 1e-3;
    bool distillWithSgd = false; // SGD with momentum instead of Adam
    double distillTemperature = 4; // of the KL divergence to the teacher's outputs
    double distillLabelWeight = 0.5; // alpha: the cross-entropy to the labels' share of the loss
    Precision precision = Precision::Float32;
    Quantization quantization = Quantization::None;
    QString calibrationData; // int8-static; random inputs when empty
    QStringList excludedLayers; // left as they are by every technique

    // Run options (training): profile the model again with them.
    QString checkpoint; // empty: none; "auto", or top-level module paths joined by ','
    bool ampBf16 = false; // bf16 autocast for forward and backward
    int batch = 0; // samples per step; 0: as the baseline ran
    bool switchToSgd = false; // SGD with momentum instead of Adam: one copy of optimizer state, not two
    QString data; // the data set the rerun trains on (demo-digits, a CSV, ...); empty: as the baseline
    bool streamData = false; // read the data set batch by batch instead of whole before the first step

    bool isEmpty() const { return applySteps().isEmpty() && !hasRunOptions(); }
    bool hasRunOptions() const;
    QStringList runOptions() const; // in the CLI's words: "--checkpoint layer1", "--amp bf16", "--batch 16"...
    // The baseline's configuration with the run options set: what the rerun profiles.
    RunConfig rerunConfig(const RunConfig& baseline) const;
    // The --apply steps in pipeline order; "distill" marks where distillation runs.
    QStringList applySteps() const;
    // One sentence when the settings cannot run (distillation without data, bf16 with int8); empty when they can.
    QString problem() const;
    // The same for a rerun of `baseline`: streaming needs a data set, named here or read by the baseline.
    QString rerunProblem(const RunConfig& baseline) const;
    // `memoscope-cli optimize` arguments that apply these settings to the baseline's model and profile the
    // original and the result as the baseline was profiled.
    QStringList optimizeArguments(const RunConfig& baseline, const QString& outPath, const QString& databasePath) const;
    // Turns on what --apply steps say ("int8-dynamic", "prune-structured=0.5:l2"); false with *error on a step
    // the workbench does not know.
    bool addSteps(const QStringList& steps, QString* error);
    // Turns on what an advisor's plan says: its --apply steps and its run options.
    bool addPlan(const Plan& plan, QString* error);
    // The advisor's plan for the settings, to predict their peak; nothing when they hold two precisions.
    std::optional<Plan> plan() const;
};

} // namespace memoscope
