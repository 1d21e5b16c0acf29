#pragma once
// The profiler's one entry point, free of LibTorch types so that app/ can call it: profile a TorchScript model
// as a RunConfig describes, storing the run as it goes.

#include "core/ExitCode.h"
#include "core/RunConfig.h"
#include "core/WorkerProtocol.h"

#include <QString>
#include <functional>

namespace memoscope {

class Store;

// A profiled run's progress is what the worker prints as a progress line.
using ProfileProgress = ProgressLine;
using ProgressCallback = std::function<void(const ProfileProgress&)>;

struct ProfileOutcome {
    ExitCode exitCode = ExitOk;
    qint64 runId = -1; // -1 when the input was refused before a run was stored
    QString message; // empty on success
};

ProfileOutcome profileModel(const RunConfig& config, Store& store, const ProgressCallback& progress = {});

QString libtorchVersion();

} // namespace memoscope
