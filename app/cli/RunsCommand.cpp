// memoscope-cli runs / show: what the run store holds.

#include "CliContext.h"

#include "core/RunReport.h"
#include "core/Store.h"

namespace memoscope {

int runRunsCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("List the stored runs, newest first."));
    parser.addOptions({ CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty())
        return cli.fail(ExitBadInput, QStringLiteral("runs takes no arguments besides --db and --json"));
    const QVector<RunSummary> runs = cli.openStore(parser)->runs();
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(runListToJson(runs));
    else
        cli.print(runListToText(runs));
    return ExitOk;
}

int runShowCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Show one stored run."));
    parser.addPositionalArgument(QStringLiteral("RUN_ID"), QStringLiteral("A run id from `memoscope-cli runs`."));
    const QCommandLineOption layers(QStringLiteral("layers"), QStringLiteral("List every layer, as a tree."));
    parser.addOptions({ layers, CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    bool ok = false;
    const qint64 runId = parser.positionalArguments().value(0).toLongLong(&ok);
    if (parser.positionalArguments().size() != 1 || !ok)
        return cli.fail(ExitBadInput, QStringLiteral("show needs one run id, e.g. memoscope-cli show 3"));
    const std::optional<StoredRun> run = cli.openStore(parser)->load(runId, /*withEvents=*/false);
    if (!run)
        return cli.fail(ExitBadInput,
            QStringLiteral("there is no run %1 in this database; `memoscope-cli runs` lists them").arg(runId));
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(runToJson(*run));
    else
        cli.print(runToText(*run, 10, parser.isSet(layers)));
    return ExitOk;
}

} // namespace memoscope
