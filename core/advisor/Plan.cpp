#include "Plan.h"

#include "core/InputSpec.h"

namespace memoscope {

QString precisionStep(Precision precision)
{
    switch (precision) {
    case Precision::Float32:
        return {};
    case Precision::Bf16:
        return QStringLiteral("bf16");
    case Precision::Fp16:
        return QStringLiteral("fp16");
    case Precision::Int8Dynamic:
        return QStringLiteral("int8-dynamic");
    case Precision::Int8Static:
        return QStringLiteral("int8-static");
    case Precision::Int8WeightOnly:
        return QStringLiteral("int8-weight-only");
    }
    return {};
}

bool Plan::isEmpty() const { return applySteps().isEmpty() && !hasRunOptions() && !hasCodeChanges(); }

QStringList Plan::applySteps() const
{
    QStringList steps;
    if (pruneRatio > 0)
        steps << QStringLiteral("prune-structured=%1").arg(pruneRatio);
    if (precision != Precision::Float32)
        steps << precisionStep(precision);
    return steps;
}

bool Plan::hasRunOptions() const { return switchToSgd || batchSize > 0 || !checkpointLayers.isEmpty() || streamData; }

QStringList Plan::runOptions(const RunConfig& config) const
{
    QStringList options;
    if (switchToSgd)
        options << QStringLiteral("--optimizer sgd");
    if (batchSize > 0 && !config.data.isEmpty())
        options << QStringLiteral("--batch %1").arg(batchSize); // batches of the data set
    else if (batchSize > 0)
        for (const QString& spec : inputsWithBatch(config, batchSize))
            options << spec;
    if (!checkpointLayers.isEmpty())
        options << QStringLiteral("--checkpoint ") + checkpointLayers.join(QLatin1Char(','));
    if (streamData)
        options << QStringLiteral("--data %1 --stream").arg(config.data.isEmpty() ? QStringLiteral("DATA") : config.data);
    return options;
}

QString Plan::describe(const RunConfig& config) const
{
    QStringList parts = applySteps() + runOptions(config);
    if (shardOptimizerRanks > 1)
        parts << QStringLiteral("ZeroRedundancyOptimizer over %1 ranks").arg(shardOptimizerRanks);
    return parts.isEmpty() ? QStringLiteral("nothing") : parts.join(QStringLiteral(" + "));
}

Plan Plan::withoutRunOptions() const
{
    Plan plan;
    plan.pruneRatio = pruneRatio;
    plan.precision = precision;
    return plan;
}

int batchSizeOf(const RunConfig& config)
{
    if (!config.data.isEmpty() && config.batch > 0)
        return config.batch; // batches of a data set (--data --batch N)
    QString error;
    const std::optional<InputSpec> spec = InputSpec::parse(config.inputs.value(0), &error);
    if (!spec || !spec->isTensor() || spec->shape.isEmpty())
        return 0;
    return int(spec->shape.first());
}

RunConfig configWithBatch(const RunConfig& config, int batch)
{
    RunConfig next = config;
    if (!config.data.isEmpty()) {
        next.batch = batch; // batches of the data set
        return next;
    }
    auto rebatched = [batch](const QString& text) {
        QString error;
        std::optional<InputSpec> spec = InputSpec::parse(text, &error);
        if (!spec || !spec->isTensor() || spec->shape.isEmpty())
            return text;
        spec->shape.first() = batch;
        return spec->toString();
    };
    next.inputs.clear();
    for (const QString& input : config.inputs)
        next.inputs << rebatched(input);
    if (!config.labels.isEmpty())
        next.labels = rebatched(config.labels);
    return next;
}

QStringList inputsWithBatch(const RunConfig& config, int batch)
{
    const RunConfig next = configWithBatch(config, batch);
    QStringList options;
    for (const QString& input : next.inputs)
        options << QStringLiteral("--input ") + input;
    if (!next.labels.isEmpty())
        options << QStringLiteral("--labels ") + next.labels;
    return options;
}

} // namespace memoscope
