#pragma once
// The optimizer's one entry point, free of LibTorch types so that app/ can call it: apply techniques to a
// TorchScript model in the order given, check the result runs and how faithful it is, write it, and
// optionally profile the original and the result the same way.

#include "core/ExitCode.h"
#include "core/Optimization.h"
#include "core/RunConfig.h"

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
    QString engine; // qnnpack, onednn or empty for the measured default
    bool perChannel = true;
    int fidelityBatches = 4;
    bool profile = false;
    RunConfig profileSettings; // mode, iterations, warm-up, threads for --profile (model and inputs are set here)
};

struct OptimizeOutcome {
    ExitCode exitCode = ExitOk;
    QString message;
    OptimizationRecord record;
};

using OptimizeProgress = std::function<void(const QString& step)>;
OptimizeOutcome optimizeModel(const OptimizeConfig& config, Store* store, const OptimizeProgress& progress = {});

} // namespace memoscope
