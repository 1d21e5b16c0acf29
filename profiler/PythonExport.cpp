#include "PythonExport.h"

#include "InputFactory.h"
#include "ProfileError.h"
#include "core/AtomicFile.h"
#include "python/ExportScript.h"

#include <torch/serialize.h>
#include <torch/torch.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace memoscope {

namespace {
    void writeFile(const QString& path, const QByteArray& bytes)
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
            throw ProfileError(ExitFailure, QStringLiteral("cannot write %1").arg(path));
    }

    // The example inputs as a tuple torch.load reads.
    QByteArray examplesFile(const QStringList& specs)
    {
        if (specs.isEmpty())
            return QByteArray();
        const std::vector<c10::IValue> inputs = InputFactory(specs, QString()).makeInputs();
        const std::vector<char> bytes = torch::pickle_save(c10::ivalue::Tuple::create(inputs));
        return QByteArray(bytes.data(), int(bytes.size()));
    }
}

QString pythonForExport(const QString& requested)
{
    if (!requested.isEmpty())
        return requested;
    if (!qEnvironmentVariableIsEmpty("MEMOSCOPE_PYTHON"))
        return qEnvironmentVariable("MEMOSCOPE_PYTHON");
    // Debian's python3-torch is seen by /usr/bin/python3, not necessarily by the python3 first on PATH.
    if (QFileInfo(QStringLiteral("/usr/bin/python3")).isExecutable())
        return QStringLiteral("/usr/bin/python3");
    return QStandardPaths::findExecutable(QStringLiteral("python3"));
}

PythonExport exportFromPython(const PythonExportRequest& request)
{
    if (const QString problem = destinationProblem(request.outPath); !problem.isEmpty())
        throw ProfileError(ExitBadInput, QStringLiteral("--out %1: %2").arg(request.outPath, problem));
    const QString python = pythonForExport(request.python);
    if (python.isEmpty())
        throw ProfileError(
            ExitBadInput, QStringLiteral("no python3 found: install python3-torch, or name one with --python"));
    QTemporaryDir work;
    if (!work.isValid())
        throw ProfileError(ExitFailure, QStringLiteral("cannot make a temporary folder"));
    const QString script = work.filePath(QStringLiteral("export_model.py"));
    const QString examples = work.filePath(QStringLiteral("examples.pt"));
    const QString written = work.filePath(QStringLiteral("model.pt"));
    writeFile(script, QByteArray(exportModelScript()));
    writeFile(examples, examplesFile(request.examples));

    QProcess process;
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start(python, { script, request.source, examples, written });
    if (!process.waitForStarted() || !process.waitForFinished(-1))
        throw ProfileError(ExitBadInput, QStringLiteral("could not run %1: %2").arg(python, process.errorString()));
    const QByteArray output = process.readAllStandardOutput().trimmed();
    const QJsonObject result = QJsonDocument::fromJson(output.mid(output.lastIndexOf('\n') + 1)).object();
    if (process.exitCode() != 0 || result.contains(QStringLiteral("error"))) {
        QString message = result.value(QStringLiteral("error")).toString();
        if (message.isEmpty())
            message
                = QStringLiteral("%1 failed: %2")
                      .arg(python,
                          QString::fromUtf8(process.readAllStandardError()).trimmed().section(QLatin1Char('\n'), -3));
        if (result.contains(QStringLiteral("script_error")))
            message
                += QStringLiteral(". Scripting said: %1").arg(result.value(QStringLiteral("script_error")).toString());
        if (result.contains(QStringLiteral("trace_error")))
            message += QStringLiteral(". Tracing said: %1").arg(result.value(QStringLiteral("trace_error")).toString());
        throw ProfileError(ExitBadInput, message);
    }
    QFile model(written);
    QString error;
    if (!model.open(QIODevice::ReadOnly) || !writeFileAtomically(request.outPath, model.readAll(), &error))
        throw ProfileError(ExitFailure, QStringLiteral("cannot write %1: %2").arg(request.outPath, error));
    return PythonExport { result.value(QStringLiteral("method")).toString(),
        result.value(QStringLiteral("script_error")).toString(), result.value(QStringLiteral("seconds")).toDouble() };
}

} // namespace memoscope
