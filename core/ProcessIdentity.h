#pragma once
// Who is writing a run: enough to tell later whether that process is still alive. A pid alone can be reused,
// so the process's start time (from /proc) is kept with it.

#include <QString>

namespace memoscope {

struct ProcessIdentity {
    qint64 pid = 0;
    QString host;
    qint64 startTicks = 0; // field 22 of /proc/PID/stat

    static ProcessIdentity current();
    // False only when the process is known to be gone (same host, and no process with that pid and start time).
    bool mayBeAlive() const;
};

} // namespace memoscope
