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

QStringList knownTechniques()
{
    return { QStringLiteral("bf16"), QStringLiteral("fp16"), QStringLiteral("int8-dynamic"),
        QStringLiteral("int8-static"), QStringLiteral("int8-weight-only") };
}

QJsonObject OptimizationRecord::toJson() const
{
    QJsonObject json;
    json[key("source_model")] = sourceModel;
    json[key("output_model")] = outputModel;
    json[key("applied")] = QJsonArray::fromStringList(applied);
    json[key("changed_layers")] = QJsonArray::fromStringList(changedLayers);
    QJsonArray skipped;
    for (const SkippedLayerRecord& layer : skippedLayers)
        skipped.append(QJsonObject { { key("layer"), layer.layer }, { key("reason"), layer.reason },
            { key("technique"), layer.technique } });
    json[key("skipped_layers")] = skipped;
    json[key("notes")] = QJsonArray::fromStringList(notes);
    json[key("quantized_engine")] = quantizedEngine.isEmpty() ? QJsonValue() : QJsonValue(quantizedEngine);
    json[key("param_bytes_before")] = double(paramBytesBefore);
    json[key("param_bytes_after")] = double(paramBytesAfter);
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
