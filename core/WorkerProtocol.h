#pragma once
// The one protocol between the desktop app and its worker process (memoscope-cli): a run's configuration as the
// worker's command line and back, and the progress lines the worker prints on stderr while it works. Both ends
// use these functions, so an option or a field cannot be spelled differently on the two sides.

#include "RunConfig.h"

#include <QByteArray>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace memoscope {

// `memoscope-cli profile` arguments that run `config` (without --progress and --db: see workerOptions).
QStringList profileArguments(const RunConfig& config);

// What the app adds to any worker command: print progress lines, and store the runs in `databasePath`.
QStringList workerOptions(const QString& databasePath);

// The options that describe a run to profile, declared once for the command that reads them.
struct RunOptions {
    RunOptions();
    QList<QCommandLineOption> all() const;

    QCommandLineOption input, labels, mode, optimizer, learningRate, iterations, warmup, memoryLimit, noTrace, threads,
        name, engine, checkpoint, amp, data, stream, inMemory, batch, opsLibrary;
};

// --ops-library PATH, on every command that loads a model (repeatable): a shared library of custom operators
// loaded before the model. Declared here once, for `profile` and the other commands alike.
QCommandLineOption opsLibraryOption();

// Fills every field of `config` but modelPath from a parser that took `options`. On bad input: false, with
// *error one line naming the option and what it must be.
bool readRunConfig(const QCommandLineParser& parser, const RunOptions& options, RunConfig* config, QString* error);

// The option that makes the worker print progress lines.
QCommandLineOption progressOption();

// One line of progress: a profiling stage of a run, or an optimization's step.
struct ProgressLine {
    enum class Stage { Started, Warmup, Measuring, Saving, Optimizing };
    Stage stage = Stage::Started;
    qint64 runId = -1; // the run being profiled; -1 while optimizing
    int iteration = 0; // 1-based within the stage
    int total = 0;
    QString step; // Optimizing: "applying int8-dynamic", "distilling: epoch 2/10, ..."

    QString stageName() const; // "started", "warmup", "measuring", "saving", "optimizing"
    QByteArray toJson() const; // one compact JSON object, no newline
    // Nothing for a line that is not progress (the worker's one-line error, say).
    static std::optional<ProgressLine> parse(const QByteArray& line);
};

} // namespace memoscope
