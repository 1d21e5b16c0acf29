// memoscope-cli import: runs recorded inside a user's own Python process (memoscope_record) into the store.

#include "CliContext.h"

#include "core/RunReport.h"
#include "core/Store.h"
#include "core/TraceImport.h"

#include <QJsonArray>

namespace memoscope {

int runImportCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Store traces written by memoscope_record (python3 -m memoscope_record --help) as runs. The "
                       "traces of the ranks of one torch.distributed job (step.rank0.mtrace, step.rank1.mtrace, "
                       "...) are imported together as one group."));
    parser.addPositionalArgument(
        QStringLiteral("TRACE"), QStringLiteral("A trace file; several for the ranks of a job."));
    const QCommandLineOption name(
        QStringLiteral("name"), QStringLiteral("A name for the run."), QStringLiteral("TEXT"));
    parser.addOptions({ name, CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    const QStringList paths = parser.positionalArguments();
    if (paths.isEmpty())
        return cli.fail(
            ExitBadInput, QStringLiteral("import needs a trace file, e.g. memoscope-cli import step.mtrace"));

    // Every file is read before anything is stored: one bad file stores nothing.
    QVector<RecordedRun> runs;
    for (const QString& path : paths) {
        TraceReading reading = readTrace(path);
        if (!reading.error.isEmpty())
            return cli.fail(ExitBadInput, reading.error);
        runs += reading.runs;
    }
    const QString problem = groupProblem(runs);
    if (!problem.isEmpty())
        return cli.fail(ExitBadInput, problem);

    const std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadWrite);
    const QVector<qint64> ids = storeRecordedRuns(*store, runs, parser.value(name));
    QJsonArray json;
    bool incomplete = false;
    for (qint64 id : ids) {
        const std::optional<StoredRun> run = cli.loadRun(*store, id, /*withEvents=*/false, &exitCode);
        if (!run)
            return exitCode;
        incomplete = incomplete || run->summary.status != RunStatus::Complete;
        if (parser.isSet(CliContext::jsonOption()))
            json.append(runToJson(*run));
        else
            cli.print(runToText(*run, 10, false) + QLatin1Char('\n'));
    }
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(json.size() == 1 ? json.first() : QJsonValue(json));
    if (incomplete) {
        // Stored, with what was recorded, but never as complete: like a profile whose model failed later.
        cli.note(QStringLiteral("imported as failed: the recorded program failed or its recording was cut short "
                                "(see the run's error)"));
        return ExitModelFailed;
    }
    return ExitOk;
}

} // namespace memoscope
