#include "ProcessIdentity.h"

#include <QFile>
#include <QSysInfo>
#include <unistd.h>

namespace memoscope {

namespace {
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
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.size() > 19 ? fields[19].toLongLong() : -1;
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
