#include "WorkerProtocol.h"

#include "ByteFormat.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <algorithm>
#include <iterator>

namespace memoscope {

namespace {
    const char* const stageNames[] = { "started", "warmup", "measuring", "saving", "optimizing" };

    void addTrainingArguments(const RunConfig& config, QStringList* arguments)
    {
        if (!config.checkpoint.isEmpty() && config.checkpoint != QLatin1String("none"))
            *arguments << QStringLiteral("--checkpoint") << config.checkpoint;
        if (!config.amp.isEmpty())
            *arguments << QStringLiteral("--amp") << config.amp;
        if (!config.data.isEmpty()) {
            *arguments << QStringLiteral("--data") << config.data
                       << (config.dataReading == DataReading::Streamed ? QStringLiteral("--stream")
                                                                       : QStringLiteral("--in-memory"));
            if (config.batch > 0)
                *arguments << QStringLiteral("--batch") << QString::number(config.batch);
        }
    }

    bool parseCount(const QString& text, int minimum, int* value)
    {
        bool ok = false;
        *value = text.toInt(&ok);
        return ok && *value >= minimum;
    }

    // The options about the data and the training step; false with *error on bad input.
    bool readTrainingOptions(const QCommandLineParser& parser, const RunOptions& o, RunConfig* config, QString* error)
    {
        config->checkpoint = parser.value(o.checkpoint);
        config->amp = parser.value(o.amp);
        config->data = parser.value(o.data);
        if (parser.isSet(o.stream) && parser.isSet(o.inMemory))
            *error = QStringLiteral("--stream and --in-memory exclude each other; give one");
        else if ((parser.isSet(o.stream) || parser.isSet(o.inMemory)) && config->data.isEmpty())
            *error = QStringLiteral("--stream and --in-memory say how to read --data; give --data too");
        else if (parser.isSet(o.batch) && !parseCount(parser.value(o.batch), 1, &config->batch))
            *error = QStringLiteral("--batch must be a whole number of at least 1");
        else if (config->inputs.isEmpty() && config->data.isEmpty())
            *error = QStringLiteral("no --input given: pass one --input SHAPE[:DTYPE][:LOW..HIGH] (or a tensor file) "
                                    "per model input, e.g. --input 8x3x224x224, or read batches from a data set "
                                    "with --data");
        config->dataReading = parser.isSet(o.stream) ? DataReading::Streamed : DataReading::InMemory;
        return error->isEmpty();
    }
}

QStringList profileArguments(const RunConfig& config)
{
    QStringList arguments { QStringLiteral("profile"), config.modelPath };
    for (const QString& input : config.inputs)
        arguments << QStringLiteral("--input") << input;
    if (!config.labels.isEmpty())
        arguments << QStringLiteral("--labels") << config.labels;
    arguments << QStringLiteral("--mode") << modeName(config.mode);
    // The shortest text that reads back as the same double: QString::number's default of 6 digits would not.
    if (config.mode == RunMode::Train)
        arguments << QStringLiteral("--optimizer") << optimizerName(config.optimizer) << QStringLiteral("--lr")
                  << QString::number(config.learningRate, 'g', QLocale::FloatingPointShortest);
    arguments << QStringLiteral("--iterations") << QString::number(config.iterations) << QStringLiteral("--warmup")
              << QString::number(config.warmup);
    if (config.memoryLimitBytes > 0)
        arguments << QStringLiteral("--memory-limit") << QString::number(config.memoryLimitBytes);
    else if (!config.memoryGuard)
        arguments << QStringLiteral("--memory-limit") << QStringLiteral("none");
    if (config.threads > 0)
        arguments << QStringLiteral("--threads") << QString::number(config.threads);
    if (!config.trace)
        arguments << QStringLiteral("--no-trace");
    if (!config.name.isEmpty())
        arguments << QStringLiteral("--name") << config.name;
    if (!config.quantizedEngine.isEmpty())
        arguments << QStringLiteral("--engine") << config.quantizedEngine;
    addTrainingArguments(config, &arguments);
    for (const QString& library : config.opsLibraries)
        arguments << QStringLiteral("--ops-library") << library;
    return arguments;
}

QStringList workerOptions(const QString& databasePath)
{
    return { QStringLiteral("--progress"), QStringLiteral("--db"), databasePath };
}

RunOptions::RunOptions()
    : input(QStringLiteral("input"),
        QStringLiteral("One argument of the model's forward, in order: SHAPE[:DTYPE][:LOW..HIGH] (8x3x224x224, "
                       "4x128:int64:0..7999), int:N, float:X, bool:true, str:TEXT, none, a list [SPEC,...], a "
                       "tuple (SPEC,...), a dict {name:SPEC,...}, or a file saved with torch.save. Arguments with "
                       "defaults may be left out; `memoscope-cli inspect MODEL.pt` suggests a line."),
        QStringLiteral("SPEC"))
    , labels(QStringLiteral("labels"),
          QStringLiteral("Labels for a cross-entropy loss in training (a spec such as 8:int64:0..9, or a file). "
                         "Without labels the loss is the mean of the output."),
          QStringLiteral("SPEC"))
    , mode(QStringLiteral("mode"), QStringLiteral("inference (default) or train."), QStringLiteral("MODE"),
          QStringLiteral("inference"))
    , optimizer(QStringLiteral("optimizer"), QStringLiteral("Training optimizer: sgd (momentum 0.9, default) or adam."),
          QStringLiteral("NAME"), QStringLiteral("sgd"))
    , learningRate(QStringLiteral("lr"), QStringLiteral("Learning rate (default 0.01)."), QStringLiteral("RATE"),
          QStringLiteral("0.01"))
    , iterations(QStringLiteral("iterations"), QStringLiteral("Measured iterations (default 3)."), QStringLiteral("N"),
          QStringLiteral("3"))
    , warmup(QStringLiteral("warmup"), QStringLiteral("Unrecorded warm-up iterations first (default 1)."),
          QStringLiteral("N"), QStringLiteral("1"))
    , memoryLimit(QStringLiteral("memory-limit"),
          QStringLiteral("Stop at the first allocation that would take live tensor memory over BYTES (512M, 2G). "
                         "Default: a guard of 80 % of the memory available at the start; none lifts it."),
          QStringLiteral("BYTES"))
    , noTrace(QStringLiteral("no-trace"),
          QStringLiteral("Run the same iterations without instrumentation, to measure its overhead."))
    , threads(QStringLiteral("threads"), QStringLiteral("LibTorch intra-op threads (default: LibTorch's choice)."),
          QStringLiteral("N"))
    , name(QStringLiteral("name"), QStringLiteral("A name for the run."), QStringLiteral("TEXT"))
    , engine(QStringLiteral("engine"),
          QStringLiteral("Quantized engine: qnnpack, onednn or auto (default: the one the model was optimized for, "
                         "else the faster here)."),
          QStringLiteral("NAME"), QStringLiteral("auto"))
    , checkpoint(QStringLiteral("checkpoint"),
          QStringLiteral("Training: recompute segments in backward instead of keeping their activations: auto "
                         "(about sqrt(n) of the top-level blocks), none, MODULE[,MODULE...], budget=BYTES (the "
                         "least recomputation that fits, planned from measured runs), or selective[=BYTES] (blocks "
                         "that keep their convolutions' outputs and recompute the cheap ops around them)."),
          QStringLiteral("CHOICE"))
    , amp(QStringLiteral("amp"),
          QStringLiteral("Mixed precision: bf16 (forward and backward under autocast, float32 weights, loss and "
                         "optimizer step)."),
          QStringLiteral("TYPE"))
    , data(QStringLiteral("data"),
          QStringLiteral("Read batches from a data set instead of random inputs: demo-digits, a .csv file, an image "
                         "folder or a torch.save file."),
          QStringLiteral("DATA"))
    , stream(QStringLiteral("stream"),
          QStringLiteral("With --data: read batch by batch from disk, preprocessing on the fly."))
    , inMemory(QStringLiteral("in-memory"),
          QStringLiteral("With --data: read the whole set into memory first (the default)."))
    , batch(QStringLiteral("batch"),
          QStringLiteral("With --data: samples per batch (default: the batch dimension of --input, else 32)."),
          QStringLiteral("N"))
    , opsLibrary(opsLibraryOption())
{
}

QCommandLineOption opsLibraryOption()
{
    return QCommandLineOption(QStringLiteral("ops-library"),
        QStringLiteral("A shared library of custom operators to load before the model, as torch.ops.load_library "
                       "does (repeatable). torchvision's operators load by themselves when python3-torchvision is "
                       "installed."),
        QStringLiteral("PATH"));
}

QList<QCommandLineOption> RunOptions::all() const
{
    return { input, labels, mode, optimizer, learningRate, iterations, warmup, memoryLimit, noTrace, threads, name,
        engine, checkpoint, amp, data, stream, inMemory, batch, opsLibrary };
}

bool readRunConfig(const QCommandLineParser& parser, const RunOptions& o, RunConfig* config, QString* error)
{
    error->clear();
    config->inputs = parser.values(o.input);
    config->opsLibraries = parser.values(o.opsLibrary);
    config->labels = parser.value(o.labels);
    config->trace = !parser.isSet(o.noTrace);
    config->name = parser.value(o.name);
    config->quantizedEngine = parser.value(o.engine);
    bool ok = false;
    if (!parseMode(parser.value(o.mode), &config->mode))
        *error = QStringLiteral("--mode must be inference or train, not '%1'").arg(parser.value(o.mode));
    else if (!parseOptimizer(parser.value(o.optimizer), &config->optimizer))
        *error = QStringLiteral("--optimizer must be sgd or adam, not '%1'").arg(parser.value(o.optimizer));
    else if (config->learningRate = parser.value(o.learningRate).toDouble(&ok); !ok || config->learningRate <= 0)
        *error = QStringLiteral("--lr must be a positive number");
    else if (!parseCount(parser.value(o.iterations), 1, &config->iterations))
        *error = QStringLiteral("--iterations must be a whole number of at least 1");
    else if (!parseCount(parser.value(o.warmup), 0, &config->warmup))
        *error = QStringLiteral("--warmup must be a whole number of at least 0");
    else if (parser.isSet(o.threads)
        && (!parseCount(parser.value(o.threads), 1, &config->threads) || config->threads > maxThreads()))
        *error = QStringLiteral("--threads must be a whole number from 1 to %1 (4 per core of this machine), not '%2'")
                     .arg(maxThreads())
                     .arg(parser.value(o.threads));
    else if (parser.value(o.memoryLimit) == QLatin1String("none"))
        config->memoryGuard = false;
    else if (parser.isSet(o.memoryLimit) && !parseByteSize(parser.value(o.memoryLimit), &config->memoryLimitBytes))
        *error = QStringLiteral("--memory-limit must be a size in bytes such as 1073741824, 512M or 2G, or none, not "
                                "'%1'")
                     .arg(parser.value(o.memoryLimit));
    return error->isEmpty() && readTrainingOptions(parser, o, config, error);
}

QCommandLineOption progressOption()
{
    return QCommandLineOption(QStringLiteral("progress"),
        QStringLiteral("Print progress as JSON lines on stderr (used by the GUI's worker)."));
}

QString ProgressLine::stageName() const { return QString::fromLatin1(stageNames[int(stage)]); }

QByteArray ProgressLine::toJson() const
{
    QJsonObject json;
    json[QStringLiteral("stage")] = stageName();
    if (stage == Stage::Optimizing) {
        json[QStringLiteral("step")] = step;
    } else {
        json[QStringLiteral("run_id")] = double(runId);
        json[QStringLiteral("iteration")] = iteration;
        json[QStringLiteral("total")] = total;
    }
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

std::optional<ProgressLine> ProgressLine::parse(const QByteArray& line)
{
    const QJsonObject json = QJsonDocument::fromJson(line).object();
    const QString stage = json.value(QStringLiteral("stage")).toString();
    ProgressLine progress;
    const auto known = std::find_if(std::begin(stageNames), std::end(stageNames),
        [&stage](const char* name) { return stage == QLatin1String(name); });
    if (known == std::end(stageNames))
        return std::nullopt;
    progress.stage = Stage(known - std::begin(stageNames));
    progress.runId = qint64(json.value(QStringLiteral("run_id")).toDouble(-1));
    progress.iteration = json.value(QStringLiteral("iteration")).toInt();
    progress.total = json.value(QStringLiteral("total")).toInt();
    progress.step = json.value(QStringLiteral("step")).toString();
    return progress;
}

} // namespace memoscope
