// memoscope-cli profile MODEL.pt --input SPEC [...]: profiles one model and stores the run.

#include "CliContext.h"
#include "OpsLibraryOption.h"
#include "ProgressLines.h"

#include "core/ByteFormat.h"
#include "core/RunReport.h"
#include "core/Store.h"
#include "profiler/Profiler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace memoscope {

namespace {
    struct ProfileOptions {
        QCommandLineOption input { QStringLiteral("input"),
            QStringLiteral("One argument of the model's forward, in order: SHAPE[:DTYPE][:LOW..HIGH] (8x3x224x224, "
                           "4x128:int64:0..7999), int:N, float:X, bool:true, str:TEXT, none, a list [SPEC,...], a "
                           "tuple (SPEC,...), a dict {name:SPEC,...}, or a file saved with torch.save. Arguments with "
                           "defaults may be left out; `memoscope-cli inspect MODEL.pt` suggests a line."),
            QStringLiteral("SPEC") };
        QCommandLineOption labels { QStringLiteral("labels"),
            QStringLiteral("Labels for a cross-entropy loss in training (a spec such as 8:int64:0..9, or a file). "
                           "Without labels the loss is the mean of the output."),
            QStringLiteral("SPEC") };
        QCommandLineOption mode { QStringLiteral("mode"), QStringLiteral("inference (default) or train."),
            QStringLiteral("MODE"), QStringLiteral("inference") };
        QCommandLineOption optimizer { QStringLiteral("optimizer"),
            QStringLiteral("Training optimizer: sgd (momentum 0.9, default) or adam."), QStringLiteral("NAME"),
            QStringLiteral("sgd") };
        QCommandLineOption learningRate { QStringLiteral("lr"), QStringLiteral("Learning rate (default 0.01)."),
            QStringLiteral("RATE"), QStringLiteral("0.01") };
        QCommandLineOption iterations { QStringLiteral("iterations"),
            QStringLiteral("Measured iterations (default 3)."), QStringLiteral("N"), QStringLiteral("3") };
        QCommandLineOption warmup { QStringLiteral("warmup"),
            QStringLiteral("Unrecorded warm-up iterations first (default 1)."), QStringLiteral("N"),
            QStringLiteral("1") };
        QCommandLineOption memoryLimit { QStringLiteral("memory-limit"),
            QStringLiteral("Stop at the first allocation that would take live tensor memory over BYTES (512M, 2G). "
                           "Default: a guard of 80 % of the memory available at the start; none lifts it."),
            QStringLiteral("BYTES") };
        QCommandLineOption noTrace { QStringLiteral("no-trace"),
            QStringLiteral("Run the same iterations without instrumentation, to measure its overhead.") };
        QCommandLineOption threads { QStringLiteral("threads"),
            QStringLiteral("LibTorch intra-op threads (default: LibTorch's choice)."), QStringLiteral("N") };
        QCommandLineOption name { QStringLiteral("name"), QStringLiteral("A name for the run."),
            QStringLiteral("TEXT") };
        QCommandLineOption engine { QStringLiteral("engine"),
            QStringLiteral("Quantized engine: qnnpack, onednn or auto (default: the one the model was optimized for, "
                           "else the faster here)."),
            QStringLiteral("NAME"), QStringLiteral("auto") };
        QCommandLineOption checkpoint { QStringLiteral("checkpoint"),
            QStringLiteral("Training: recompute segments in backward instead of keeping their activations: auto "
                           "(about sqrt(n) of the top-level blocks), none, MODULE[,MODULE...], or budget=BYTES (the "
                           "least recomputation that fits, planned from measured runs)."),
            QStringLiteral("CHOICE") };
        QCommandLineOption amp { QStringLiteral("amp"),
            QStringLiteral("Mixed precision: bf16 (forward and backward under autocast, float32 weights, loss and "
                           "optimizer step)."),
            QStringLiteral("TYPE") };
        QCommandLineOption data { QStringLiteral("data"),
            QStringLiteral("Read batches from a data set instead of random inputs: demo-digits, a .csv file, an image "
                           "folder or a torch.save file."),
            QStringLiteral("DATA") };
        QCommandLineOption stream { QStringLiteral("stream"),
            QStringLiteral("With --data: read batch by batch from disk, preprocessing on the fly.") };
        QCommandLineOption inMemory { QStringLiteral("in-memory"),
            QStringLiteral("With --data: read the whole set into memory first (the default).") };
        QCommandLineOption batch { QStringLiteral("batch"),
            QStringLiteral("With --data: samples per batch (default: the batch dimension of --input, else 32)."),
            QStringLiteral("N") };
        QCommandLineOption progress { QStringLiteral("progress"),
            QStringLiteral("Print progress as JSON lines on stderr (used by the GUI's worker).") };
    };

    bool parseCount(const QString& text, int minimum, int* value)
    {
        bool ok = false;
        *value = text.toInt(&ok);
        return ok && *value >= minimum;
    }
}

int runProfileCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Profile a TorchScript model layer by layer and store the run."));
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model file."));
    ProfileOptions o;
    parser.addOptions({ o.input, o.labels, o.mode, o.optimizer, o.learningRate, o.iterations, o.warmup, o.memoryLimit,
        o.noTrace, o.threads, o.name, o.engine, o.checkpoint, o.amp, o.data, o.stream, o.inMemory, o.batch, o.progress,
        opsLibraryOption(), CliContext::databaseOption(), CliContext::jsonOption() });
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
    config.inputs = parser.values(o.input);
    config.labels = parser.value(o.labels);
    config.trace = !parser.isSet(o.noTrace);
    config.name = parser.value(o.name);
    config.quantizedEngine = parser.value(o.engine);
    if (!parseMode(parser.value(o.mode), &config.mode))
        return cli.fail(ExitBadInput, QStringLiteral("--mode must be inference or train, not '%1'").arg(parser.value(o.mode)));
    if (!parseOptimizer(parser.value(o.optimizer), &config.optimizer))
        return cli.fail(ExitBadInput,
            QStringLiteral("--optimizer must be sgd or adam, not '%1'").arg(parser.value(o.optimizer)));
    bool ok = false;
    config.learningRate = parser.value(o.learningRate).toDouble(&ok);
    if (!ok || config.learningRate <= 0)
        return cli.fail(ExitBadInput, QStringLiteral("--lr must be a positive number"));
    if (!parseCount(parser.value(o.iterations), 1, &config.iterations))
        return cli.fail(ExitBadInput, QStringLiteral("--iterations must be a whole number of at least 1"));
    if (!parseCount(parser.value(o.warmup), 0, &config.warmup))
        return cli.fail(ExitBadInput, QStringLiteral("--warmup must be a whole number of at least 0"));
    if (parser.isSet(o.threads) && (!parseCount(parser.value(o.threads), 1, &config.threads) || config.threads > maxThreads()))
        return cli.fail(ExitBadInput,
            QStringLiteral("--threads must be a whole number from 1 to %1 (4 per core of this machine), not '%2'")
                .arg(maxThreads())
                .arg(parser.value(o.threads)));
    if (parser.value(o.memoryLimit) == QLatin1String("none"))
        config.memoryGuard = false;
    else if (parser.isSet(o.memoryLimit) && !parseByteSize(parser.value(o.memoryLimit), &config.memoryLimitBytes))
        return cli.fail(ExitBadInput,
            QStringLiteral("--memory-limit must be a size in bytes such as 1073741824, 512M or 2G, or none, not '%1'")
                .arg(parser.value(o.memoryLimit)));

    config.checkpoint = parser.value(o.checkpoint);
    config.amp = parser.value(o.amp);
    config.data = parser.value(o.data);
    if (parser.isSet(o.stream) && parser.isSet(o.inMemory))
        return cli.fail(ExitBadInput, QStringLiteral("--stream and --in-memory exclude each other; give one"));
    if ((parser.isSet(o.stream) || parser.isSet(o.inMemory)) && config.data.isEmpty())
        return cli.fail(
            ExitBadInput, QStringLiteral("--stream and --in-memory say how to read --data; give --data too"));
    config.dataReading = parser.isSet(o.stream) ? DataReading::Streamed : DataReading::InMemory;
    if (parser.isSet(o.batch) && !parseCount(parser.value(o.batch), 1, &config.batch))
        return cli.fail(ExitBadInput, QStringLiteral("--batch must be a whole number of at least 1"));
    if (config.inputs.isEmpty() && config.data.isEmpty())
        return cli.fail(ExitBadInput,
            QStringLiteral("no --input given: pass one --input SHAPE[:DTYPE][:LOW..HIGH] (or a tensor file) per model "
                           "input, e.g. --input 8x3x224x224, or read batches from a data set with --data"));

    std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadWrite);
    const bool json = parser.isSet(CliContext::jsonOption());
    const ProfileOutcome outcome = profileModel(config, *store, parser.isSet(o.progress) ? printProfileProgress : ProgressCallback {});

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
