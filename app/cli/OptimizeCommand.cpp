// memoscope-cli optimize MODEL.pt --apply TECHNIQUE [...] --out FILE: applies techniques, checks the result,
// writes it, and with --profile stores the original's and the result's runs side by side.

#include "CliContext.h"
#include "OpsLibraryOption.h"
#include "ProgressLines.h"

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
    const QCommandLineOption sparse(QStringLiteral("sparse"),
        QStringLiteral("Store mostly-zero weights (after prune-unstructured) as a mask and their non-zero values."));
    const QCommandLineOption distillData(QStringLiteral("distill"),
        QStringLiteral("Distill the model optimized so far from the original on DATA, at this point among the --apply "
                       "steps; the last 20 % of DATA is held out for early stopping and accuracy."),
        QStringLiteral("DATA"));
    const QCommandLineOption epochs(QStringLiteral("epochs"), QStringLiteral("Distillation epochs (default 10)."),
        QStringLiteral("N"), QStringLiteral("10"));
    const QCommandLineOption temperature(QStringLiteral("temperature"),
        QStringLiteral("Distillation temperature (default 4)."), QStringLiteral("T"), QStringLiteral("4"));
    const QCommandLineOption alpha(QStringLiteral("alpha"),
        QStringLiteral("Weight of the label loss when DATA has labels (default 0.5)."), QStringLiteral("A"),
        QStringLiteral("0.5"));
    const QCommandLineOption student(QStringLiteral("student"),
        QStringLiteral("A TorchScript student to distill instead of the model optimized so far."), QStringLiteral("FILE"));
    const QCommandLineOption distillRate(QStringLiteral("distill-lr"),
        QStringLiteral("Distillation learning rate (default 0.001)."), QStringLiteral("RATE"), QStringLiteral("0.001"));
    const QCommandLineOption distillBatch(QStringLiteral("distill-batch"),
        QStringLiteral("Distillation batch size (default 64)."), QStringLiteral("N"), QStringLiteral("64"));
    const QCommandLineOption distillOptimizer(QStringLiteral("distill-optimizer"),
        QStringLiteral("adam (default) or sgd."), QStringLiteral("NAME"), QStringLiteral("adam"));
    const QCommandLineOption progress = progressOption();
    parser.addOption(progress);
    parser.addOptions({ apply, exclude, out, input, calibration, calibrationBatches, data, engine, perTensor, profile,
        mode, iterations, sparse, distillData, epochs, temperature, alpha, student, distillRate, distillBatch,
        distillOptimizer, opsLibraryOption(), CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return cli.fail(ExitBadInput, QStringLiteral("optimize needs exactly one model file, e.g. memoscope-cli optimize "
                                                     "model.pt --apply int8-dynamic --input 8x64 --out small.pt"));
    if (!loadOpsLibraries(cli, parser, &exitCode))
        return exitCode;
    OptimizeConfig config;
    config.modelPath = parser.positionalArguments().first();
    config.outPath = parser.value(out);
    // --apply and --distill run in the order given: "prune, then distill, then int8".
    for (int i = 0; i < arguments.size(); ++i) {
        const QString& argument = arguments[i];
        if (argument == QLatin1String("--apply") && i + 1 < arguments.size())
            config.apply << arguments[++i];
        else if (argument.startsWith(QLatin1String("--apply=")))
            config.apply << argument.mid(8);
        else if (argument == QLatin1String("--distill") || argument.startsWith(QLatin1String("--distill=")))
            config.apply << QStringLiteral("distill");
    }
    config.distillData = parser.value(distillData);
    config.studentPath = parser.value(student);
    config.sparse = parser.isSet(sparse);
    bool parsed = true;
    DistillSettings& d = config.distillSettings;
    d.epochs = parser.value(epochs).toInt(&parsed);
    if (!parsed || d.epochs < 1)
        return cli.fail(ExitBadInput, QStringLiteral("--epochs must be a whole number of at least 1"));
    d.temperature = parser.value(temperature).toDouble(&parsed);
    if (!parsed || d.temperature <= 0)
        return cli.fail(ExitBadInput, QStringLiteral("--temperature must be a positive number"));
    d.alpha = parser.value(alpha).toDouble(&parsed);
    if (!parsed || d.alpha < 0 || d.alpha > 1)
        return cli.fail(ExitBadInput, QStringLiteral("--alpha must be a number between 0 and 1"));
    d.learningRate = parser.value(distillRate).toDouble(&parsed);
    if (!parsed || d.learningRate <= 0)
        return cli.fail(ExitBadInput, QStringLiteral("--distill-lr must be a positive number"));
    d.batchSize = parser.value(distillBatch).toInt(&parsed);
    if (!parsed || d.batchSize < 1)
        return cli.fail(ExitBadInput, QStringLiteral("--distill-batch must be a whole number of at least 1"));
    if (!parseOptimizer(parser.value(distillOptimizer), &d.optimizer))
        return cli.fail(ExitBadInput, QStringLiteral("--distill-optimizer must be adam or sgd"));
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

    std::unique_ptr<Store> store = config.profile ? cli.openStore(parser, StoreAccess::ReadWrite) : nullptr;
    const bool progressLines = parser.isSet(progress);
    if (progressLines)
        config.profileProgress = printProfileProgress;
    const OptimizeOutcome outcome = optimizeModel(config, store.get(), [&cli, progressLines](const QString& step) {
        if (progressLines)
            printStepProgress(step);
        else if (step.startsWith(QLatin1String("distilling")))
            cli.note(step); // progress per epoch, on stderr
    });
    if (outcome.exitCode != ExitOk)
        return cli.fail(outcome.exitCode, outcome.message);
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(outcome.record.toJson());
    else
        cli.print(optimizationToText(outcome.record));
    return ExitOk;
}

} // namespace memoscope
