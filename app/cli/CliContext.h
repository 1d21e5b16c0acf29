#pragma once
// What every memoscope-cli command shares: where output goes, how errors are reported, and the run store.

#include "core/ExitCode.h"

#include <QCommandLineParser>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QVector>
#include <memory>
#include <optional>

namespace memoscope {

class Store;
struct StoredRun;
enum class StoreAccess;

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

    // Opens --db (or the default database). Commands that only read pass StoreAccess::ReadOnly: they create
    // nothing. Throws StoreError.
    std::unique_ptr<Store> openStore(const QCommandLineParser& parser, StoreAccess access) const;
    // The run ids given as the command's positional arguments. With none, or more than `most` (0: no limit), it
    // prints `usage`; a word that is not a number is named. After an error: empty, with *exitCode set.
    QVector<qint64> runIds(const QCommandLineParser& parser, int most, const QString& usage, int* exitCode) const;
    // The stored run, or one message that this database has no such run (nullopt, *exitCode set).
    std::optional<StoredRun> loadRun(Store& store, qint64 runId, bool withEvents, int* exitCode) const;

    static QCommandLineOption databaseOption();
    static QCommandLineOption jsonOption();

private:
    QString m_program;
};

int runProfileCommand(const CliContext& cli, const QStringList& arguments);
int runRunsCommand(const CliContext& cli, const QStringList& arguments);
int runShowCommand(const CliContext& cli, const QStringList& arguments);
int runOptimizeCommand(const CliContext& cli, const QStringList& arguments);
int runReportCommand(const CliContext& cli, const QStringList& arguments);
int runExportCommand(const CliContext& cli, const QStringList& arguments);
int runAdviseCommand(const CliContext& cli, const QStringList& arguments);
int runCompareCommand(const CliContext& cli, const QStringList& arguments);
int runSweepBatchCommand(const CliContext& cli, const QStringList& arguments);
int runImportCommand(const CliContext& cli, const QStringList& arguments);
int runInspectCommand(const CliContext& cli, const QStringList& arguments);
int runFromPythonCommand(const CliContext& cli, const QStringList& arguments);

} // namespace memoscope
