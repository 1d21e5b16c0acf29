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

namespace {
    // Every option of `optimize`, declared once.
    struct OptimizeOptions {
        QCommandLineOption apply { QStringLiteral("apply"),
            QStringLiteral("A technique to apply, repeatable, in order: %1.")
                .arg(knownTechniques().join(QStringLiteral(", "))),
            QStringLiteral("TECHNIQUE") };
        QCommandLineOption exclude { QStringLiteral("exclude"),
            QStringLiteral("A layer to leave as it is (repeatable)."), QStringLiteral("LAYER") };
        QCommandLineOption out { QStringLiteral("out"), QStringLiteral("Where to write the optimized model."),
            QStringLiteral("FILE") };
        QCommandLineOption input { QStringLiteral("input"),
            QStringLiteral("One model input, as for profile (repeat per input): to check the result and compare it."),
            QStringLiteral("SPEC") };
        QCommandLineOption calibration { QStringLiteral("calibration"),
            QStringLiteral("Data for int8-static calibration (CSV, image folder, tensor file or demo-digits)."),
            QStringLiteral("DATA") };
        QCommandLineOption calibrationBatches { QStringLiteral("calibration-batches"),
            QStringLiteral("Calibration batches (default 8)."), QStringLiteral("N"), QStringLiteral("8") };
        QCommandLineOption data { QStringLiteral("data"),
            QStringLiteral("A labelled data set to measure accuracy before and after."), QStringLiteral("DATA") };
        QCommandLineOption engine { QStringLiteral("engine"),
            QStringLiteral("Quantized engine: qnnpack, onednn or auto (the faster here, measured once)."),
            QStringLiteral("NAME"), QStringLiteral("auto") };
        QCommandLineOption perTensor { QStringLiteral("per-tensor"),
            QStringLiteral("int8 weights with one scale per tensor instead of per output channel.") };
        QCommandLineOption profile { QStringLiteral("profile"),
            QStringLiteral("Profile the original and the optimized model the same way and store both runs.") };
        QCommandLineOption mode { QStringLiteral("mode"), QStringLiteral("Profile mode: inference (default) or train."),
            QStringLiteral("MODE"), QStringLiteral("inference") };
        QCommandLineOption iterations { QStringLiteral("iterations"),
            QStringLiteral("Profiled iterations (default 3)."), QStringLiteral("N"), QStringLiteral("3") };
        QCommandLineOption sparse { QStringLiteral("sparse"),
            QStringLiteral(
                "Store mostly-zero weights (after prune-unstructured) as a mask and their non-zero values.") };
        QCommandLineOption distillData { QStringLiteral("distill"),
            QStringLiteral(
                "Distill the model optimized so far from the original on DATA, at this point among the --apply "
                "steps; the last 20 % of DATA is held out for early stopping and accuracy."),
            QStringLiteral("DATA") };
        QCommandLineOption epochs { QStringLiteral("epochs"), QStringLiteral("Distillation epochs (default 10)."),
            QStringLiteral("N"), QStringLiteral("10") };
        QCommandLineOption temperature { QStringLiteral("temperature"),
            QStringLiteral("Distillation temperature (default 4)."), QStringLiteral("T"), QStringLiteral("4") };
        QCommandLineOption alpha { QStringLiteral("alpha"),
            QStringLiteral("Weight of the label loss when DATA has labels (default 0.5)."), QStringLiteral("A"),
            QStringLiteral("0.5") };
        QCommandLineOption student { QStringLiteral("student"),
            QStringLiteral("A TorchScript student to distill instead of the model optimized so far."),
            QStringLiteral("FILE") };
        QCommandLineOption distillRate { QStringLiteral("distill-lr"),
            QStringLiteral("Distillation learning rate (default 0.001)."), QStringLiteral("RATE"),
            QStringLiteral("0.001") };
        QCommandLineOption distillBatch { QStringLiteral("distill-batch"),
            QStringLiteral("Distillation batch size (default 64)."), QStringLiteral("N"), QStringLiteral("64") };
        QCommandLineOption distillOptimizer { QStringLiteral("distill-optimizer"),
            QStringLiteral("adam (default) or sgd."), QStringLiteral("NAME"), QStringLiteral("adam") };
    };

    // The techniques in the order given: --apply and --distill interleave ("prune, then distill, then int8"),
    // which QCommandLineParser's per-option lists cannot tell.
    QStringList techniquesInOrder(const QStringList& arguments)
    {
        QStringList apply;
        for (int i = 0; i < arguments.size(); ++i) {
            const QString& argument = arguments[i];
            if (argument == QLatin1String("--apply") && i + 1 < arguments.size())
                apply << arguments[++i];
            else if (argument.startsWith(QLatin1String("--apply=")))
                apply << argument.mid(8);
            else if (argument == QLatin1String("--distill") || argument.startsWith(QLatin1String("--distill=")))
                apply << QStringLiteral("distill");
        }
        return apply;
    }

    // The distillation settings, or the refusal of the first bad one.
    QString readDistillSettings(const QCommandLineParser& parser, const OptimizeOptions& o, DistillSettings* d)
    {
        bool parsed = true;
        d->epochs = parser.value(o.epochs).toInt(&parsed);
        if (!parsed || d->epochs < 1)
            return QStringLiteral("--epochs must be a whole number of at least 1");
        d->temperature = parser.value(o.temperature).toDouble(&parsed);
        if (!parsed || d->temperature <= 0)
            return QStringLiteral("--temperature must be a positive number");
        d->alpha = parser.value(o.alpha).toDouble(&parsed);
        if (!parsed || d->alpha < 0 || d->alpha > 1)
            return QStringLiteral("--alpha must be a number between 0 and 1");
        d->learningRate = parser.value(o.distillRate).toDouble(&parsed);
        if (!parsed || d->learningRate <= 0)
            return QStringLiteral("--distill-lr must be a positive number");
        d->batchSize = parser.value(o.distillBatch).toInt(&parsed);
        if (!parsed || d->batchSize < 1)
            return QStringLiteral("--distill-batch must be a whole number of at least 1");
        if (!parseOptimizer(parser.value(o.distillOptimizer), &d->optimizer))
            return QStringLiteral("--distill-optimizer must be adam or sgd");
        return {};
    }

    // Every field of the configuration but the techniques' order, or the refusal of the first bad option.
    QString readOptimizeConfig(const QCommandLineParser& parser, const OptimizeOptions& o, OptimizeConfig* config)
    {
        config->modelPath = parser.positionalArguments().first();
        config->outPath = parser.value(o.out);
        config->distillData = parser.value(o.distillData);
        config->studentPath = parser.value(o.student);
        config->sparse = parser.isSet(o.sparse);
        if (const QString error = readDistillSettings(parser, o, &config->distillSettings); !error.isEmpty())
            return error;
        config->exclude = parser.values(o.exclude);
        config->inputs = parser.values(o.input);
        config->calibration = parser.value(o.calibration);
        config->data = parser.value(o.data);
        config->engine = parser.value(o.engine);
        config->perChannel = !parser.isSet(o.perTensor);
        config->profile = parser.isSet(o.profile);
        bool ok = false;
        config->calibrationBatches = parser.value(o.calibrationBatches).toInt(&ok);
        if (!ok || config->calibrationBatches < 1)
            return QStringLiteral("--calibration-batches must be a whole number of at least 1");
        if (!parseMode(parser.value(o.mode), &config->profileSettings.mode))
            return QStringLiteral("--mode must be inference or train");
        config->profileSettings.iterations = parser.value(o.iterations).toInt(&ok);
        if (!ok || config->profileSettings.iterations < 1)
            return QStringLiteral("--iterations must be a whole number of at least 1");
        return {};
    }
}

int runOptimizeCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Apply memory optimizations to a TorchScript model."));
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model file."));
    const OptimizeOptions o;
    const QCommandLineOption progress = progressOption();
    parser.addOption(progress);
    parser.addOptions({ o.apply, o.exclude, o.out, o.input, o.calibration, o.calibrationBatches, o.data, o.engine,
        o.perTensor, o.profile, o.mode, o.iterations, o.sparse, o.distillData, o.epochs, o.temperature, o.alpha,
        o.student, o.distillRate, o.distillBatch, o.distillOptimizer, opsLibraryOption(), CliContext::databaseOption(),
        CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return cli.fail(ExitBadInput,
            QStringLiteral("optimize needs exactly one model file, e.g. memoscope-cli optimize "
                           "model.pt --apply int8-dynamic --input 8x64 --out small.pt"));
    if (!loadOpsLibraries(cli, parser, &exitCode))
        return exitCode;
    OptimizeConfig config;
    config.apply = techniquesInOrder(arguments);
    if (const QString error = readOptimizeConfig(parser, o, &config); !error.isEmpty())
        return cli.fail(ExitBadInput, error);

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
