#pragma once
// The limit a run gets when the user sets none: most of the memory free when it starts, so that a run that grows
// without bound stops cleanly (exit 4, with the layer and the phase) before it takes the machine down.

#include <QString>

namespace memoscope {

struct RunConfig;

// Percent of the memory available at the start (MemAvailable, and what a cgroup limit leaves) a run may use.
constexpr int memoryGuardPercent = 80;

qint64 memoryGuardBytes();
// Memory plus swap: no run can ever have more, so with --memory-limit none this still tells an allocation that
// can never succeed from a model error.
qint64 machineMemoryBytes();

// The limit the profiler applies: --memory-limit, else the guard stored with the run, else the machine's memory.
qint64 effectiveMemoryLimit(const RunConfig& config);
// The configuration's memory line: "512 MiB (--memory-limit)", "14.7 GiB (guard: 80 % of ...)", "none".
QString memoryLimitText(const RunConfig& config);
// What `profile` says when a run stops at its limit in `phase`.
QString outOfMemoryMessage(const RunConfig& config, const QString& phase);

} // namespace memoscope
