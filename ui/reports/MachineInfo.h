#pragma once
// The machine a report is made on, for its environment section: runs are profiled where their database is,
// so this is normally the machine that made them too (the report says which it is).

#include <QString>

namespace memoscope {

struct MachineInfo {
    QString cpuModel; // "AMD EPYC 7B13", from /proc/cpuinfo; "unknown" when it says nothing
    int logicalCpus = 0;
    QString operatingSystem; // "Debian GNU/Linux 12 (bookworm)"
    QString qtVersion; // of the Qt libraries running now
    QString memoscopeVersion;
};

MachineInfo currentMachine();

// The first "model name" (x86) or "Hardware"/"cpu model" (others) line of a /proc/cpuinfo text.
QString cpuModelFromCpuinfo(const QString& cpuinfo);

} // namespace memoscope
