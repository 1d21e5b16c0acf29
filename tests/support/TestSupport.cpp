#include "TestSupport.h"

#include <QProcess>
#include <QtTest>

namespace memoscope::test {

QString fixture(const QString& name) { return QStringLiteral(MEMOSCOPE_FIXTURES_DIR "/") + name + QStringLiteral(".pt"); }

QString sourcePath(const QString& relative) { return QStringLiteral(MEMOSCOPE_SOURCE_DIR "/") + relative; }

QString cliPath() { return QStringLiteral(MEMOSCOPE_CLI); }

namespace {
    CliResult runProcess(QProcess& process, const QString& program, const QStringList& arguments, int timeoutMs)
    {
        process.start(program, arguments);
        CliResult result;
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            result.err = QStringLiteral("timed out");
            return result;
        }
        result.crashed = process.exitStatus() == QProcess::CrashExit;
        result.exitCode = result.crashed ? -1 : process.exitCode(); // a crash has no exit code: never read it as 0
        result.out = QString::fromUtf8(process.readAllStandardOutput());
        result.err = QString::fromUtf8(process.readAllStandardError());
        return result;
    }
}

CliResult runProgram(const QString& program, const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    return runProcess(process, program, arguments, timeoutMs);
}

CliResult runPython(const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(MEMOSCOPE_PYTHON_DIR));
    environment.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    process.setProcessEnvironment(environment);
    return runProcess(process, QStringLiteral(MEMOSCOPE_PYTHON), arguments, timeoutMs);
}

CliResult runCli(const QStringList& arguments, int timeoutMs) { return runProgram(cliPath(), arguments, timeoutMs); }

QJsonObject runPythonJson(const QString& script, const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(MEMOSCOPE_PYTHON), QStringList { sourcePath(QStringLiteral("tests/fixtures/") + script) } + arguments);
    if (!process.waitForFinished(600000) || process.exitCode() != 0) {
        qWarning() << "python helper failed:" << process.readAllStandardError();
        return {};
    }
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

} // namespace memoscope::test
