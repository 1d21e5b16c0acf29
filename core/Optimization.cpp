#include "Optimization.h"

#include <QJsonArray>

namespace memoscope {

namespace {
    QString key(const char* name) { return QString::fromLatin1(name); }

    QJsonValue optionalBytes(const std::optional<qint64>& bytes)
    {
        return bytes ? QJsonValue(double(*bytes)) : QJsonValue();
    }

    std::optional<qint64> optionalBytes(const QJsonValue& value)
    {
        return value.isDouble() ? std::optional<qint64>(qint64(value.toDouble())) : std::nullopt;
    }
}

QString accuracyByStepText(const OptimizationRecord& record)
{
    QStringList steps;
    for (const StepAccuracy& step : record.accuracyByStep)
        steps << QStringLiteral("%1 % (%2)").arg(step.accuracy * 100, 0, 'f', 1).arg(step.after);
    return steps.join(QStringLiteral(", then "));
}

QStringList knownTechniques()
{
    return { QStringLiteral("bf16"), QStringLiteral("fp16"), QStringLiteral("int8-dynamic"),
        QStringLiteral("int8-static"), QStringLiteral("int8-weight-only"), QStringLiteral("prune-structured=RATIO[:l1|l2][:global]"),
        QStringLiteral("prune-unstructured=RATIO[:global]") };
}

std::optional<TechniqueStep> TechniqueStep::parse(const QString& text, QString* error)
{
    TechniqueStep step;
    const QStringList parts = text.split(QLatin1Char('='));
    step.name = parts.first();
    const bool pruning = step.name == QLatin1String("prune-structured") || step.name == QLatin1String("prune-unstructured");
    if (!pruning) {
        static const QStringList plain { QStringLiteral("bf16"), QStringLiteral("fp16"), QStringLiteral("int8-dynamic"),
            QStringLiteral("int8-static"), QStringLiteral("int8-weight-only"), QStringLiteral("distill") };
        if (parts.size() == 1 && plain.contains(step.name))
            return step;
        *error = QStringLiteral("unknown --apply '%1': known techniques are %2")
                     .arg(text, knownTechniques().join(QStringLiteral(", ")));
        return std::nullopt;
    }
    const QStringList settings = parts.value(1).split(QLatin1Char(':'));
    bool ok = false;
    step.ratio = settings.first().toDouble(&ok);
    if (parts.size() != 2 || !ok || step.ratio < 0 || step.ratio >= 1) {
        *error = QStringLiteral("--apply %1: the pruning ratio must be a number in [0, 1), e.g. %2=0.5")
                     .arg(text, step.name);
        return std::nullopt;
    }
    for (const QString& setting : settings.mid(1)) {
        if (setting == QLatin1String("global"))
            step.global = true;
        else if (setting == QLatin1String("l2") && step.name == QLatin1String("prune-structured"))
            step.l2 = true;
        else if (setting != QLatin1String("l1") || step.name != QLatin1String("prune-structured")) {
            *error = QStringLiteral("--apply %1: unknown setting '%2' (structured: l1, l2, global; unstructured: global)")
                         .arg(text, setting);
            return std::nullopt;
        }
    }
    return step;
}

QString TechniqueStep::canonical() const
{
    if (ratio <= 0 && !name.startsWith(QLatin1String("prune")))
        return name;
    return name + QLatin1Char('=') + QString::number(ratio) + (l2 ? QStringLiteral(":l2") : QString())
        + (global ? QStringLiteral(":global") : QString());
}

QJsonObject OptimizationRecord::toJson() const
{
    QJsonObject json;
    json[key("source_model")] = sourceModel;
    json[key("output_model")] = outputModel;
    json[key("applied")] = QJsonArray::fromStringList(applied);
    json[key("changed_layers")] = QJsonArray::fromStringList(changedLayers);
    json[key("pruned_layers")] = QJsonArray::fromStringList(prunedLayers);
    QJsonArray accuracies;
    for (const StepAccuracy& step : accuracyByStep)
        accuracies.append(QJsonObject { { key("after"), step.after }, { key("accuracy"), step.accuracy } });
    json[key("accuracy_by_step")] = accuracies;
    QJsonArray skipped;
    for (const SkippedLayerRecord& layer : skippedLayers)
        skipped.append(QJsonObject { { key("layer"), layer.layer }, { key("reason"), layer.reason },
            { key("technique"), layer.technique } });
    json[key("skipped_layers")] = skipped;
    json[key("notes")] = QJsonArray::fromStringList(notes);
    json[key("quantized_engine")] = quantizedEngine.isEmpty() ? QJsonValue() : QJsonValue(quantizedEngine);
    json[key("param_bytes_before")] = double(paramBytesBefore);
    json[key("param_bytes_after")] = double(paramBytesAfter);
    json[key("param_bytes_after_dense")] = optionalBytes(paramBytesAfterDense);
    json[key("buffer_bytes_before")] = double(bufferBytesBefore);
    json[key("buffer_bytes_after")] = double(bufferBytesAfter);
    json[key("file_bytes_before")] = double(fileBytesBefore);
    json[key("file_bytes_after")] = double(fileBytesAfter);
    json[key("peak_bytes_before")] = optionalBytes(peakBytesBefore);
    json[key("peak_bytes_after")] = optionalBytes(peakBytesAfter);
    json[key("fidelity")] = fidelity ? QJsonValue(fidelity->toJson()) : QJsonValue();
    json[key("baseline_run_id")] = baselineRunId >= 0 ? QJsonValue(double(baselineRunId)) : QJsonValue();
    json[key("optimized_run_id")] = optimizedRunId >= 0 ? QJsonValue(double(optimizedRunId)) : QJsonValue();
    return json;
}

OptimizationRecord OptimizationRecord::fromJson(const QJsonObject& json)
{
    OptimizationRecord record;
    record.sourceModel = json.value(key("source_model")).toString();
    record.outputModel = json.value(key("output_model")).toString();
    for (const QJsonValue& value : json.value(key("applied")).toArray())
        record.applied << value.toString();
    for (const QJsonValue& value : json.value(key("changed_layers")).toArray())
        record.changedLayers << value.toString();
    for (const QJsonValue& value : json.value(key("pruned_layers")).toArray())
        record.prunedLayers << value.toString();
    for (const QJsonValue& value : json.value(key("accuracy_by_step")).toArray())
        record.accuracyByStep << StepAccuracy { value.toObject().value(key("after")).toString(),
            value.toObject().value(key("accuracy")).toDouble() };
    for (const QJsonValue& value : json.value(key("skipped_layers")).toArray()) {
        const QJsonObject layer = value.toObject();
        record.skippedLayers << SkippedLayerRecord { layer.value(key("layer")).toString(),
            layer.value(key("reason")).toString(), layer.value(key("technique")).toString() };
    }
    for (const QJsonValue& value : json.value(key("notes")).toArray())
        record.notes << value.toString();
    record.quantizedEngine = json.value(key("quantized_engine")).toString();
    record.paramBytesBefore = qint64(json.value(key("param_bytes_before")).toDouble());
    record.paramBytesAfter = qint64(json.value(key("param_bytes_after")).toDouble());
    record.paramBytesAfterDense = optionalBytes(json.value(key("param_bytes_after_dense")));
    record.bufferBytesBefore = qint64(json.value(key("buffer_bytes_before")).toDouble());
    record.bufferBytesAfter = qint64(json.value(key("buffer_bytes_after")).toDouble());
    record.fileBytesBefore = qint64(json.value(key("file_bytes_before")).toDouble());
    record.fileBytesAfter = qint64(json.value(key("file_bytes_after")).toDouble());
    record.peakBytesBefore = optionalBytes(json.value(key("peak_bytes_before")));
    record.peakBytesAfter = optionalBytes(json.value(key("peak_bytes_after")));
    if (json.value(key("fidelity")).isObject())
        record.fidelity = FidelityReport::fromJson(json.value(key("fidelity")).toObject());
    record.baselineRunId = qint64(json.value(key("baseline_run_id")).toDouble(-1));
    record.optimizedRunId = qint64(json.value(key("optimized_run_id")).toDouble(-1));
    return record;
}

} // namespace memoscope
