// memoscope-cli inspect MODEL.pt [--json]: what a model takes and needs, before running it.

#include "CliContext.h"
#include "OpsLibraryOption.h"

#include "profiler/ModelInspector.h"

namespace memoscope {

int runInspectCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Describe a TorchScript model without profiling it: its forward signature, file format, weights (held as "
        "constants too), the operators its code calls by library, and a ready --input line, checked by running "
        "forward once."));
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model file."));
    parser.addOptions({ opsLibraryOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return cli.fail(
            ExitBadInput, QStringLiteral("inspect needs exactly one model file, e.g. memoscope-cli inspect model.pt"));
    if (!loadOpsLibraries(cli, parser, &exitCode))
        return exitCode;
    const ModelInspection inspection = inspectModel(parser.positionalArguments().first());
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(inspection.toJson());
    else
        cli.print(inspection.toText());
    return inspection.loads ? ExitOk : cli.fail(ExitBadInput, inspection.loadError);
}

} // namespace memoscope
