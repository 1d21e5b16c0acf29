#pragma once
// The optimizer's one entry point, free of LibTorch types so that app/ can call it: apply techniques to a
// TorchScript model in the order given, check the result runs and how faithful it is, write it, and
// optionally profile the original and the result the same way.

#include "core/ExitCode.h"
#include "core/Optimization.h"
#include "core/RunConfig.h"

#include "Distillation.h"
#include "Profiler.h"

#include <QStringList>
#include <functional>

namespace memoscope {

class Store;

struct OptimizeConfig {
    QString modelPath;
    QString outPath;
    QStringList apply; // techniques in order, see knownTechniques()
    QStringList exclude; // layer paths left as they are
    QStringList inputs; // input specs, as for profiling: used to check the result and measure fidelity
    QString calibration; // data for int8-static (a data set spec); random inputs when empty
    int calibrationBatches = 8;
    QString data; // a labelled data set to measure accuracy before and after
    QString distillData; // data for the "distill" step (its last heldOutFraction is held out)
    double heldOutFraction = 0.2;
    QString studentPath; // a TorchScript student to distill instead of the model optimized so far
    DistillSettings distillSettings;
    bool sparse = false; // store mostly-zero weights as a mask and their values
    QString engine; // qnnpack, onednn or empty for the measured default
    bool perChannel = true;
    int fidelityBatches = 4;
    bool profile = false;
    RunConfig profileSettings; // mode, iterations, warm-up, threads for --profile (model and inputs are set here)
    ProgressCallback profileProgress; // progress of each profiled run (the GUI's worker shows it)
    // A stored run of the original made with profileSettings: with --profile it is linked as the baseline instead
    // of profiling the original again (`advise --apply` starts from such a run).
    qint64 baselineRunId = -1;
};

struct OptimizeOutcome {
    ExitCode exitCode = ExitOk;
    QString message;
    OptimizationRecord record;
};

using OptimizeProgress = std::function<void(const QString& step)>;
OptimizeOutcome optimizeModel(const OptimizeConfig& config, Store* store, const OptimizeProgress& progress = {});

} // namespace memoscope
