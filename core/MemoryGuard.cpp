#include "MemoryGuard.h"

#include "ByteFormat.h"
#include "RunConfig.h"

#include <QFile>
#include <QHash>
#include <algorithm>

namespace memoscope {

namespace {
    // /proc/meminfo's fields in bytes.
    QHash<QByteArray, qint64> memoryInfo()
    {
        QHash<QByteArray, qint64> fields;
        QFile file(QStringLiteral("/proc/meminfo"));
        if (!file.open(QIODevice::ReadOnly))
            return fields;
        for (const QByteArray& line : file.readAll().split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                fields.insert(line.left(colon), line.mid(colon + 1).trimmed().split(' ').value(0).toLongLong() * 1024);
        }
        return fields;
    }

    qint64 numberIn(const QString& path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return -1;
        bool ok = false;
        const qint64 value = file.readAll().trimmed().toLongLong(&ok);
        return ok ? value : -1;
    }

    // What a cgroup v2 memory limit leaves this process (a container), or -1 without one.
    qint64 cgroupRoom()
    {
        const qint64 limit = numberIn(QStringLiteral("/sys/fs/cgroup/memory.max"));
        const qint64 used = numberIn(QStringLiteral("/sys/fs/cgroup/memory.current"));
        return limit > 0 && used >= 0 ? std::max<qint64>(0, limit - used) : -1;
    }
}

qint64 memoryGuardBytes()
{
    const QHash<QByteArray, qint64> info = memoryInfo();
    qint64 available = info.value("MemAvailable", info.value("MemFree", 0));
    const qint64 room = cgroupRoom();
    if (room >= 0)
        available = std::min(available, room);
    return std::max<qint64>(1, available / 100 * memoryGuardPercent);
}

qint64 machineMemoryBytes()
{
    const QHash<QByteArray, qint64> info = memoryInfo();
    return std::max<qint64>(1, info.value("MemTotal") + info.value("SwapTotal"));
}

qint64 effectiveMemoryLimit(const RunConfig& config)
{
    if (config.memoryLimitBytes > 0)
        return config.memoryLimitBytes;
    if (config.memoryGuard && config.memoryGuardBytes > 0)
        return config.memoryGuardBytes;
    return machineMemoryBytes();
}

QString memoryLimitText(const RunConfig& config)
{
    if (config.memoryLimitBytes > 0)
        return QStringLiteral("%1 (--memory-limit)").arg(formatBytes(config.memoryLimitBytes));
    if (config.memoryGuard && config.memoryGuardBytes > 0)
        return QStringLiteral("%1 (guard: %2 % of the memory available at the start; --memory-limit none lifts it)")
            .arg(formatBytes(config.memoryGuardBytes))
            .arg(memoryGuardPercent);
    return config.memoryGuard ? QStringLiteral("not recorded") : QStringLiteral("none (--memory-limit none)");
}

QString outOfMemoryMessage(const RunConfig& config, const QString& phase)
{
    if (config.memoryLimitBytes > 0)
        return QStringLiteral("out of memory: the run reached --memory-limit %1 bytes in the %2 phase")
            .arg(config.memoryLimitBytes)
            .arg(phase);
    if (config.memoryGuard && config.memoryGuardBytes > 0)
        return QStringLiteral("out of memory: the run reached the memory guard of %1 (%2 % of the memory available "
                              "when it started) in the %3 phase; --memory-limit none lifts the guard, --memory-limit "
                              "BYTES sets another limit")
            .arg(formatBytes(config.memoryGuardBytes))
            .arg(memoryGuardPercent)
            .arg(phase);
    return QStringLiteral(
        "out of memory: the run needed more than this machine's %1 of memory and swap in the %2 phase")
        .arg(formatBytes(machineMemoryBytes()))
        .arg(phase);
}

} // namespace memoscope
