#include "MachineInfo.h"

#include <QFile>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>

namespace memoscope {

QString cpuModelFromCpuinfo(const QString& cpuinfo)
{
    for (const char* key : { "model name", "cpu model", "Hardware", "Processor" }) {
        const QRegularExpression line(
            QStringLiteral("^%1\\s*:\\s*(.+)$").arg(QLatin1String(key)), QRegularExpression::MultilineOption);
        const QRegularExpressionMatch match = line.match(cpuinfo);
        if (match.hasMatch())
            return match.captured(1).simplified();
    }
    return QStringLiteral("unknown");
}

MachineInfo currentMachine()
{
    MachineInfo machine;
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    machine.cpuModel = cpuinfo.open(QIODevice::ReadOnly) ? cpuModelFromCpuinfo(QString::fromUtf8(cpuinfo.readAll()))
                                                         : QStringLiteral("unknown");
    machine.logicalCpus = QThread::idealThreadCount();
    machine.operatingSystem = QSysInfo::prettyProductName();
    machine.qtVersion = QString::fromLatin1(qVersion());
    machine.memoscopeVersion = QStringLiteral(MEMOSCOPE_VERSION);
    return machine;
}

} // namespace memoscope
