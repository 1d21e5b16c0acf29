#pragma once
// What every memoscope-cli command shares: where output goes, how errors are reported, and the run store.

#include "core/ExitCode.h"

#include <QCommandLineParser>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <memory>

namespace memoscope {

class Store;

class CliContext {
public:
    explicit CliContext(QString program)
        : m_program(std::move(program))
    {
    }

    void print(const QString& text) const; // stdout
    void printJson(const QJsonValue& json) const; // stdout, indented
    int fail(ExitCode code, const QString& message) const; // one line on stderr; returns code
    void note(const QString& message) const; // one line on stderr

    // Parses `arguments` (the command's own, after its name). On error prints one message and returns false
    // with *exitCode set.
    bool parse(QCommandLineParser& parser, const QStringList& arguments, int* exitCode) const;

    // Opens --db (or the default database). Throws StoreError.
    std::unique_ptr<Store> openStore(const QCommandLineParser& parser) const;
    static QCommandLineOption databaseOption();
    static QCommandLineOption jsonOption();

private:
    QString m_program;
};

int runProfileCommand(const CliContext& cli, const QStringList& arguments);
int runRunsCommand(const CliContext& cli, const QStringList& arguments);
int runShowCommand(const CliContext& cli, const QStringList& arguments);
int runOptimizeCommand(const CliContext& cli, const QStringList& arguments);
int runSweepBatchCommand(const CliContext& cli, const QStringList& arguments);

} // namespace memoscope
