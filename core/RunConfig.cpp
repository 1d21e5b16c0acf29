#include "RunConfig.h"

#include <QThread>
#include <algorithm>

#include <QJsonArray>

namespace memoscope {

QString modeName(RunMode mode)
{
    return mode == RunMode::Train ? QStringLiteral("train") : QStringLiteral("inference");
}

QString optimizerName(OptimizerKind kind)
{
    return kind == OptimizerKind::Adam ? QStringLiteral("adam") : QStringLiteral("sgd");
}

bool parseMode(const QString& text, RunMode* mode)
{
    if (text == QLatin1String("inference"))
        *mode = RunMode::Inference;
    else if (text == QLatin1String("train"))
        *mode = RunMode::Train;
    else
        return false;
    return true;
}

bool parseOptimizer(const QString& text, OptimizerKind* kind)
{
    if (text == QLatin1String("sgd"))
        *kind = OptimizerKind::Sgd;
    else if (text == QLatin1String("adam"))
        *kind = OptimizerKind::Adam;
    else
        return false;
    return true;
}

QString dataReadingName(DataReading reading)
{
    return reading == DataReading::Streamed ? QStringLiteral("streamed") : QStringLiteral("in_memory");
}

int maxThreads() { return 4 * std::max(1, QThread::idealThreadCount()); }

QJsonObject RunConfig::toJson() const
{
    QJsonObject json;
    json[QStringLiteral("model")] = modelPath;
    json[QStringLiteral("inputs")] = QJsonArray::fromStringList(inputs);
    if (!labels.isEmpty())
        json[QStringLiteral("labels")] = labels;
    json[QStringLiteral("mode")] = modeName(mode);
    if (mode == RunMode::Train) {
        json[QStringLiteral("optimizer")] = optimizerName(optimizer);
        json[QStringLiteral("learning_rate")] = learningRate;
    }
    json[QStringLiteral("iterations")] = iterations;
    json[QStringLiteral("warmup")] = warmup;
    if (memoryLimitBytes > 0)
        json[QStringLiteral("memory_limit_bytes")] = double(memoryLimitBytes);
    else if (!memoryGuard)
        json[QStringLiteral("memory_limit")] = QStringLiteral("none");
    if (memoryGuardBytes > 0)
        json[QStringLiteral("memory_guard_bytes")] = double(memoryGuardBytes);
    json[QStringLiteral("trace")] = trace;
    if (threads > 0)
        json[QStringLiteral("threads")] = threads;
    if (!name.isEmpty())
        json[QStringLiteral("name")] = name;
    if (!quantizedEngine.isEmpty())
        json[QStringLiteral("quantized_engine")] = quantizedEngine;
    // Written only when set, so runs stored before these options existed read back unchanged.
    if (!checkpoint.isEmpty())
        json[QStringLiteral("checkpoint")] = checkpoint;
    if (!amp.isEmpty())
        json[QStringLiteral("amp")] = amp;
    if (!data.isEmpty()) {
        json[QStringLiteral("data")] = data;
        json[QStringLiteral("data_reading")] = dataReadingName(dataReading);
    }
    if (batch > 0)
        json[QStringLiteral("batch")] = batch;
    const std::pair<const char*, const QString*> recordedText[] = { { "source", &source },
        { "model_class", &modelClass }, { "optimizer_class", &optimizerClass }, { "device", &device },
        { "group", &group } };
    for (const auto& [key, value] : recordedText)
        if (!value->isEmpty())
            json[QLatin1String(key)] = *value;
    if (rank >= 0) {
        json[QStringLiteral("rank")] = rank;
        json[QStringLiteral("world_size")] = worldSize;
    }
    if (!opsLibraries.isEmpty())
        json[QStringLiteral("ops_libraries")] = QJsonArray::fromStringList(opsLibraries);
    return json;
}

RunConfig RunConfig::fromJson(const QJsonObject& json)
{
    RunConfig config;
    config.modelPath = json.value(QStringLiteral("model")).toString();
    for (const QJsonValue& value : json.value(QStringLiteral("inputs")).toArray())
        config.inputs << value.toString();
    config.labels = json.value(QStringLiteral("labels")).toString();
    parseMode(json.value(QStringLiteral("mode")).toString(), &config.mode);
    parseOptimizer(json.value(QStringLiteral("optimizer")).toString(QStringLiteral("sgd")), &config.optimizer);
    config.learningRate = json.value(QStringLiteral("learning_rate")).toDouble(config.learningRate);
    config.iterations = json.value(QStringLiteral("iterations")).toInt(config.iterations);
    config.warmup = json.value(QStringLiteral("warmup")).toInt(config.warmup);
    config.memoryLimitBytes = qint64(json.value(QStringLiteral("memory_limit_bytes")).toDouble(0));
    config.memoryGuard = json.value(QStringLiteral("memory_limit")).toString() != QLatin1String("none");
    config.memoryGuardBytes = qint64(json.value(QStringLiteral("memory_guard_bytes")).toDouble(0));
    config.trace = json.value(QStringLiteral("trace")).toBool(true);
    config.threads = json.value(QStringLiteral("threads")).toInt(0);
    config.name = json.value(QStringLiteral("name")).toString();
    config.quantizedEngine = json.value(QStringLiteral("quantized_engine")).toString();
    config.checkpoint = json.value(QStringLiteral("checkpoint")).toString();
    config.amp = json.value(QStringLiteral("amp")).toString();
    config.data = json.value(QStringLiteral("data")).toString();
    config.dataReading = json.value(QStringLiteral("data_reading")).toString() == dataReadingName(DataReading::Streamed)
        ? DataReading::Streamed
        : DataReading::InMemory;
    config.batch = json.value(QStringLiteral("batch")).toInt(0);
    config.source = json.value(QStringLiteral("source")).toString();
    config.modelClass = json.value(QStringLiteral("model_class")).toString();
    config.optimizerClass = json.value(QStringLiteral("optimizer_class")).toString();
    config.device = json.value(QStringLiteral("device")).toString();
    config.group = json.value(QStringLiteral("group")).toString();
    config.rank = json.value(QStringLiteral("rank")).toInt(-1);
    config.worldSize = json.value(QStringLiteral("world_size")).toInt(0);
    for (const QJsonValue& value : json.value(QStringLiteral("ops_libraries")).toArray())
        config.opsLibraries << value.toString();
    return config;
}

} // namespace memoscope
