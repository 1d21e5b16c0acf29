#include "TestSupport.h"

#include <QProcess>
#include <QtTest>

namespace memoscope::test {

QString fixture(const QString& name) { return QStringLiteral(MEMOSCOPE_FIXTURES_DIR "/") + name + QStringLiteral(".pt"); }

QString sourcePath(const QString& relative) { return QStringLiteral(MEMOSCOPE_SOURCE_DIR "/") + relative; }

QString cliPath() { return QStringLiteral(MEMOSCOPE_CLI); }

CliResult runProgram(const QString& program, const QStringList& arguments, int timeoutMs)
{
    QProcess process;
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
