#pragma once
// Shared by the test executables: where the fixtures and binaries are, and running memoscope-cli.

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace memoscope::test {

QString fixture(const QString& name); // a model made by tests/fixtures/make_fixtures.py, e.g. "resnet18"
QString sourcePath(const QString& relative); // a file of the source tree
QString cliPath();

struct CliResult {
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};
// Runs a program to its end (killed after timeoutMs) and keeps what it printed.
CliResult runProgram(const QString& program, const QStringList& arguments, int timeoutMs = 600000);
CliResult runCli(const QStringList& arguments, int timeoutMs = 600000);

// Runs Debian's python3 with memoscope_record (as the build lays it out) importable.
CliResult runPython(const QStringList& arguments, int timeoutMs = 600000);

// Runs a Python helper of tests/fixtures with Debian's python3 and returns its JSON output.
QJsonObject runPythonJson(const QString& script, const QStringList& arguments);

} // namespace memoscope::test
