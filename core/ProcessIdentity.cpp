#include "ProcessIdentity.h"

#include <QFile>
#include <QSysInfo>
#include <unistd.h>

namespace memoscope {

namespace {
    // A process with SIGKILL pending (a supervised worker whose supervisor was killed) can run no more code of
    // its own: it has ended, even if the kernel has not finished tearing it down.
    bool killPending(qint64 pid)
    {
        QFile status(QStringLiteral("/proc/%1/status").arg(pid));
        if (!status.open(QIODevice::ReadOnly))
            return false;
        const quint64 sigkill = quint64(1) << 8;
        for (const QByteArray& line : status.readAll().split('\n'))
            if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:"))
                if (line.mid(7).trimmed().toULongLong(nullptr, 16) & sigkill)
                    return true;
        return false;
    }

    qint64 startTicksOf(qint64 pid)
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return -1;
        const QByteArray line = stat.readAll();
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
        const int close = line.lastIndexOf(')');
        if (close < 0)
            return -1;
        const QList<QByteArray> fields = line.mid(close + 2).split(' ');
        // fields[0] is field 3 (state), so field 22 is fields[19]. A zombie has ended already.
        if (fields.isEmpty() || fields[0] == "Z" || fields[0] == "X")
            return -1;
        return fields.size() > 19 && !killPending(pid) ? fields[19].toLongLong() : -1;
    }
}

ProcessIdentity ProcessIdentity::current()
{
    ProcessIdentity identity;
    identity.pid = getpid();
    identity.host = QSysInfo::machineHostName();
    identity.startTicks = startTicksOf(identity.pid);
    return identity;
}

bool ProcessIdentity::mayBeAlive() const
{
    if (host != QSysInfo::machineHostName())
        return true;
    const qint64 ticks = startTicksOf(pid);
    return ticks >= 0 && ticks == startTicks;
}

} // namespace memoscope
