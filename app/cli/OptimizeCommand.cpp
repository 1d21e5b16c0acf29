// memoscope-cli optimize MODEL.pt --apply TECHNIQUE [...] --out FILE: applies techniques, checks the result,
// writes it, and with --profile stores the original's and the result's runs side by side.

#include "CliContext.h"

#include "core/ByteFormat.h"
#include "core/RunReport.h"
#include "core/Store.h"
#include "profiler/Optimizer.h"

namespace memoscope {

int runOptimizeCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Apply memory optimizations to a TorchScript model."));
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model file."));
    const QCommandLineOption apply(QStringLiteral("apply"),
        QStringLiteral("A technique to apply, repeatable, in order: %1.").arg(knownTechniques().join(QStringLiteral(", "))),
        QStringLiteral("TECHNIQUE"));
    const QCommandLineOption exclude(QStringLiteral("exclude"), QStringLiteral("A layer to leave as it is (repeatable)."),
        QStringLiteral("LAYER"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Where to write the optimized model."),
        QStringLiteral("FILE"));
    const QCommandLineOption input(QStringLiteral("input"),
        QStringLiteral("One model input, as for profile (repeat per input): to check the result and compare it."),
        QStringLiteral("SPEC"));
    const QCommandLineOption calibration(QStringLiteral("calibration"),
        QStringLiteral("Data for int8-static calibration (CSV, image folder, tensor file or demo-digits)."),
        QStringLiteral("DATA"));
    const QCommandLineOption calibrationBatches(QStringLiteral("calibration-batches"),
        QStringLiteral("Calibration batches (default 8)."), QStringLiteral("N"), QStringLiteral("8"));
    const QCommandLineOption data(QStringLiteral("data"),
        QStringLiteral("A labelled data set to measure accuracy before and after."), QStringLiteral("DATA"));
    const QCommandLineOption engine(QStringLiteral("engine"),
        QStringLiteral("Quantized engine: qnnpack, onednn or auto (the faster here, measured once)."),
        QStringLiteral("NAME"), QStringLiteral("auto"));
    const QCommandLineOption perTensor(QStringLiteral("per-tensor"),
        QStringLiteral("int8 weights with one scale per tensor instead of per output channel."));
    const QCommandLineOption profile(QStringLiteral("profile"),
        QStringLiteral("Profile the original and the optimized model the same way and store both runs."));
    const QCommandLineOption mode(QStringLiteral("mode"), QStringLiteral("Profile mode: inference (default) or train."),
        QStringLiteral("MODE"), QStringLiteral("inference"));
    const QCommandLineOption iterations(QStringLiteral("iterations"), QStringLiteral("Profiled iterations (default 3)."),
        QStringLiteral("N"), QStringLiteral("3"));
    parser.addOptions({ apply, exclude, out, input, calibration, calibrationBatches, data, engine, perTensor, profile,
        mode, iterations, CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return cli.fail(ExitBadInput, QStringLiteral("optimize needs exactly one model file, e.g. memoscope-cli optimize "
                                                     "model.pt --apply int8-dynamic --input 8x64 --out small.pt"));
    OptimizeConfig config;
    config.modelPath = parser.positionalArguments().first();
    config.outPath = parser.value(out);
    config.apply = parser.values(apply);
    config.exclude = parser.values(exclude);
    config.inputs = parser.values(input);
    config.calibration = parser.value(calibration);
    config.data = parser.value(data);
    config.engine = parser.value(engine);
    config.perChannel = !parser.isSet(perTensor);
    config.profile = parser.isSet(profile);
    bool ok = false;
    config.calibrationBatches = parser.value(calibrationBatches).toInt(&ok);
    if (!ok || config.calibrationBatches < 1)
        return cli.fail(ExitBadInput, QStringLiteral("--calibration-batches must be a whole number of at least 1"));
    if (!parseMode(parser.value(mode), &config.profileSettings.mode))
        return cli.fail(ExitBadInput, QStringLiteral("--mode must be inference or train"));
    config.profileSettings.iterations = parser.value(iterations).toInt(&ok);
    if (!ok || config.profileSettings.iterations < 1)
        return cli.fail(ExitBadInput, QStringLiteral("--iterations must be a whole number of at least 1"));

    std::unique_ptr<Store> store = config.profile ? cli.openStore(parser) : nullptr;
    const OptimizeOutcome outcome = optimizeModel(config, store.get());
    if (outcome.exitCode != ExitOk)
        return cli.fail(outcome.exitCode, outcome.message);
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(outcome.record.toJson());
    else
        cli.print(optimizationToText(outcome.record));
    return ExitOk;
}

} // namespace memoscope
