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
    const QVector<RunSummary> runs = cli.openStore(parser, StoreAccess::ReadOnly)->runs();
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
    const QVector<qint64> ids
        = cli.runIds(parser, 1, QStringLiteral("show needs one run id, e.g. memoscope-cli show 3"), &exitCode);
    if (ids.isEmpty())
        return exitCode;
    const std::optional<StoredRun> run = cli.loadRun(*cli.openStore(parser, StoreAccess::ReadOnly), ids.first(), /*withEvents=*/false, &exitCode);
    if (!run)
        return exitCode;
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(runToJson(*run));
    else
        cli.print(runToText(*run, 10, parser.isSet(layers)));
    return ExitOk;
}

} // namespace memoscope
