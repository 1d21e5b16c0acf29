// memoscope-cli from-python SOURCE --example SPEC [...] --out MODEL.pt [--profile]: a model written in Python,
// turned into TorchScript with the machine's python3 and torch, and optionally profiled.

#include "CliContext.h"
#include "OpsLibraryOption.h"

#include "core/RunReport.h"
#include "core/Store.h"
#include "profiler/ProfileError.h"
#include "profiler/Profiler.h"
#include "profiler/PythonExport.h"

namespace memoscope {

namespace {
    // Profiles the exported file with the examples as its inputs, as `profile` would; returns the exit code.
    int profileExported(const CliContext& cli, const QCommandLineParser& parser, RunConfig config)
    {
        std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadWrite);
        const ProfileOutcome outcome = profileModel(config, *store);
        if (outcome.runId >= 0)
            if (const std::optional<StoredRun> run = store->load(outcome.runId, /*withEvents=*/false)) {
                if (parser.isSet(CliContext::jsonOption()))
                    cli.printJson(runToJson(*run));
                else if (outcome.exitCode == ExitOk)
                    cli.print(runToText(*run, 10, false));
            }
        return outcome.exitCode == ExitOk ? ExitOk : cli.fail(outcome.exitCode, outcome.message);
    }
}

int runFromPythonCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Turn a model written in Python into a TorchScript file with the machine's python3 and torch: scripted, or "
        "traced with the example inputs when scripting fails. With --profile, profile it as `profile` would."));
    parser.addPositionalArgument(QStringLiteral("SOURCE"),
        QStringLiteral("A Python expression that makes the model (torchvision.models.resnet50()), or "
                       "PATH.py:FUNCTION, a function without arguments that returns it."));
    const QCommandLineOption example(QStringLiteral("example"),
        QStringLiteral("An example input, one per argument of forward, as --input takes it (8x3x224x224, int:16000, "
                       "[3x320x320], ...). Used to trace, and as the inputs of --profile."),
        QStringLiteral("SPEC"));
    const QCommandLineOption out(
        QStringLiteral("out"), QStringLiteral("The TorchScript file to write."), QStringLiteral("FILE"));
    const QCommandLineOption python(QStringLiteral("python"),
        QStringLiteral("The Python to run (default: $MEMOSCOPE_PYTHON, else /usr/bin/python3)."),
        QStringLiteral("PATH"));
    const QCommandLineOption profile(
        QStringLiteral("profile"), QStringLiteral("Profile the written model and store the run."));
    const QCommandLineOption mode(QStringLiteral("mode"),
        QStringLiteral("With --profile: inference (default) or train."), QStringLiteral("MODE"),
        QStringLiteral("inference"));
    const QCommandLineOption iterations(QStringLiteral("iterations"),
        QStringLiteral("With --profile: measured iterations (default 3)."), QStringLiteral("N"), QStringLiteral("3"));
    parser.addOptions({ example, out, python, profile, mode, iterations, opsLibraryOption(),
        CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return cli.fail(ExitBadInput,
            QStringLiteral(
                "from-python needs one SOURCE, e.g. memoscope-cli from-python 'torchvision.models.resnet50()' "
                "--example 1x3x224x224 --out resnet50.pt"));
    if (!parser.isSet(out))
        return cli.fail(ExitBadInput, QStringLiteral("from-python needs --out FILE, the TorchScript file to write"));
    RunConfig config;
    config.modelPath = parser.value(out);
    config.inputs = parser.values(example);
    if (!parseMode(parser.value(mode), &config.mode))
        return cli.fail(
            ExitBadInput, QStringLiteral("--mode must be inference or train, not '%1'").arg(parser.value(mode)));
    bool ok = false;
    config.iterations = parser.value(iterations).toInt(&ok);
    if (!ok || config.iterations < 1)
        return cli.fail(ExitBadInput, QStringLiteral("--iterations must be a whole number of at least 1"));
    if (parser.isSet(profile) && config.inputs.isEmpty())
        return cli.fail(
            ExitBadInput, QStringLiteral("--profile needs the inputs: give one --example per argument of forward"));
    const std::optional<QStringList> libraries = loadOpsLibraries(cli, parser, &exitCode);
    if (!libraries)
        return exitCode;
    config.opsLibraries = *libraries;

    const QString source = parser.positionalArguments().first();
    PythonExport exported;
    try {
        exported
            = exportFromPython(PythonExportRequest { source, config.inputs, config.modelPath, parser.value(python) });
    } catch (const ProfileError& error) {
        return cli.fail(error.code(), error.message());
    }
    const QString seconds = QString::number(exported.seconds, 'f', 1);
    if (exported.method == QLatin1String("trace"))
        cli.note(QStringLiteral("traced %1 into %2 with the example inputs, in eval mode (%3 s), because scripting "
                                "failed: %4")
                     .arg(source, config.modelPath, seconds, exported.scriptError));
    else
        cli.note(QStringLiteral("scripted %1 into %2 (%3 s)").arg(source, config.modelPath, seconds));
    return parser.isSet(profile) ? profileExported(cli, parser, config) : ExitOk;
}

} // namespace memoscope
