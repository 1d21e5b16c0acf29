#include "ModelIntake.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QSettings>

namespace memoscope {

namespace {
    // The worker's last line on stderr: "memoscope-cli inspect: error: MESSAGE".
    QString lastError(const QByteArray& stderrText)
    {
        const QStringList lines = QString::fromUtf8(stderrText).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QString last = lines.isEmpty() ? QString() : lines.last();
        const int marker = last.indexOf(QLatin1String("error: "));
        return marker >= 0 ? last.mid(marker + 7) : last;
    }
}

ModelIntake::ModelIntake(QString workerPath, QObject* parent)
    : QObject(parent)
    , m_workerPath(std::move(workerPath))
{
}

QStringList ModelIntake::operatorLibraries()
{
    return QSettings().value(QStringLiteral("operatorLibraries")).toStringList();
}

void ModelIntake::setOperatorLibraries(const QStringList& paths)
{
    QSettings().setValue(QStringLiteral("operatorLibraries"), paths);
}

QProcess* ModelIntake::start(const QStringList& givenArguments)
{
    QStringList arguments = givenArguments;
    for (const QString& library : operatorLibraries())
        arguments << QStringLiteral("--ops-library") << library;
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->deleteLater();
    }
    m_process = new QProcess(this);
    m_process->start(m_workerPath, arguments);
    return m_process;
}

void ModelIntake::inspect(const QString& modelPath)
{
    QProcess* process = start({ QStringLiteral("inspect"), modelPath, QStringLiteral("--json") });
    connect(process, &QProcess::finished, this, [this, process, modelPath](int exitCode, QProcess::ExitStatus status) {
        m_process = nullptr;
        process->deleteLater();
        const ModelInspection inspection
            = ModelInspection::fromJson(QJsonDocument::fromJson(process->readAllStandardOutput()).object());
        if (status == QProcess::NormalExit && exitCode == 0 && inspection.loads) {
            Q_EMIT inspected(inspection);
            return;
        }
        QString message
            = inspection.loadError.isEmpty() ? lastError(process->readAllStandardError()) : inspection.loadError;
        if (message.isEmpty())
            message = tr("The worker stopped while reading %1.").arg(QFileInfo(modelPath).fileName());
        Q_EMIT notAModel(modelPath, message);
    });
    connect(process, &QProcess::errorOccurred, this, [this, process, modelPath](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            Q_EMIT notAModel(
                modelPath, tr("The worker %1 could not start: %2").arg(m_workerPath, process->errorString()));
    });
}

void ModelIntake::exportFromPython(const QString& source, const QStringList& examples, const QString& outPath)
{
    QStringList arguments { QStringLiteral("from-python"), source, QStringLiteral("--out"), outPath };
    for (const QString& example : examples)
        arguments << QStringLiteral("--example") << example;
    QProcess* process = start(arguments);
    connect(process, &QProcess::finished, this, [this, process, outPath, examples](int exitCode, QProcess::ExitStatus) {
        m_process = nullptr;
        process->deleteLater();
        const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
        if (exitCode == 0)
            Q_EMIT exported(outPath, examples, err.section(QLatin1Char('\n'), -1).section(QLatin1String(": "), 1));
        else
            Q_EMIT exportFailed(lastError(err.toUtf8()));
    });
}

} // namespace memoscope
