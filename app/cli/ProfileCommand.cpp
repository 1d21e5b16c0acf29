// memoscope-cli profile MODEL.pt --input SPEC [...]: profiles one model and stores the run.

#include "CliContext.h"
#include "OpsLibraryOption.h"
#include "ProgressLines.h"

#include "core/RunReport.h"
#include "core/Store.h"
#include "profiler/Profiler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace memoscope {

int runProfileCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Profile a TorchScript model layer by layer and store the run."));
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model file."));
    RunOptions o;
    const QCommandLineOption progress = progressOption();
    parser.addOptions(o.all());
    parser.addOptions({ progress, CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return cli.fail(ExitBadInput, QStringLiteral("profile needs exactly one model file, e.g. "
                                                     "memoscope-cli profile model.pt --input 8x3x224x224"));
    RunConfig config;
    config.modelPath = positional.first();
    const std::optional<QStringList> libraries = loadOpsLibraries(cli, parser, &exitCode);
    if (!libraries)
        return exitCode;
    config.opsLibraries = *libraries;
    QString error;
    if (!readRunConfig(parser, o, &config, &error))
        return cli.fail(ExitBadInput, error);

    std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadWrite);
    const bool json = parser.isSet(CliContext::jsonOption());
    const ProfileOutcome outcome = profileModel(config, *store, parser.isSet(progress) ? printProfileProgress : ProgressCallback {});

    if (outcome.runId >= 0) {
        const std::optional<StoredRun> run = store->load(outcome.runId, /*withEvents=*/false);
        // Not an error: the run is what was asked for, but the user should not read it as checkpointed.
        if (run && config.checkpoint != QLatin1String("none") && !config.checkpoint.isEmpty()
            && run->metrics.checkpointSegments.isEmpty() && outcome.exitCode == ExitOk)
            cli.note(config.checkpoint == QLatin1String("auto")
                    ? QStringLiteral("note: --checkpoint auto found no block of several layers to checkpoint (one "
                                     "layer keeps its input for backward anyway); nothing was checkpointed")
                    : QStringLiteral("note: the run fits %1 without checkpointing; nothing was checkpointed")
                          .arg(config.checkpoint));
        if (run && json)
            cli.printJson(runToJson(*run));
        else if (run && outcome.exitCode == ExitOk)
            cli.print(runToText(*run, 10, false));
        else if (run && run->metrics.hasOutOfMemory)
            cli.print(runToText(*run, 10, false));
    }
    if (outcome.exitCode != ExitOk) {
        const QString stored = outcome.runId >= 0
            ? QStringLiteral(" (stored as run %1, status %2)")
                  .arg(outcome.runId)
                  .arg(outcome.exitCode == ExitOutOfMemory ? QStringLiteral("oom") : QStringLiteral("failed"))
            : QString();
        return cli.fail(outcome.exitCode, outcome.message + stored);
    }
    return ExitOk;
}

} // namespace memoscope
