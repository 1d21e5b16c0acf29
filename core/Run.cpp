#include "Run.h"

#include <QJsonArray>
#include <algorithm>

namespace memoscope {

QString statusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QStringLiteral("running");
    case RunStatus::Complete:
        return QStringLiteral("complete");
    case RunStatus::Failed:
        return QStringLiteral("failed");
    case RunStatus::OutOfMemory:
        return QStringLiteral("oom");
    case RunStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("failed");
}

RunStatus statusFromName(const QString& name)
{
    if (name == QLatin1String("running"))
        return RunStatus::Running;
    if (name == QLatin1String("complete"))
        return RunStatus::Complete;
    if (name == QLatin1String("oom"))
        return RunStatus::OutOfMemory;
    if (name == QLatin1String("cancelled"))
        return RunStatus::Cancelled;
    return RunStatus::Failed;
}

double median(QVector<double> values)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const int mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

namespace {
    QJsonObject categoryObject(const CategoryBytes& bytes)
    {
        QJsonObject json;
        for (Category category : allCategories())
            json[categoryName(category)] = double(bytes[int(category)]);
        return json;
    }

    CategoryBytes categoryBytes(const QJsonObject& json)
    {
        CategoryBytes bytes {};
        for (Category category : allCategories())
            bytes[int(category)] = qint64(json.value(categoryName(category)).toDouble());
        return bytes;
    }

    QString key(const char* name) { return QString::fromLatin1(name); }
}

QJsonObject RunMetrics::toJson() const
{
    QJsonObject json;
    json[key("peak_bytes")] = double(peakBytes);
    json[key("peak_time_ns")] = double(peakTimeNs);
    json[key("peak_phase")] = phaseName(peakPhase);
    json[key("peak_layer")] = peakLayer;
    json[key("peak_op")] = peakOp;
    json[key("categories_at_peak")] = categoryObject(categoriesAtPeak);
    json[key("total_allocated_bytes")] = double(totalAllocatedBytes);
    json[key("event_count")] = double(eventCount);
    json[key("attributed_fraction")] = attributedFraction;
    json[key("unmatched_frees")] = double(unmatchedFrees);
    QJsonArray times;
    for (double ms : iterationMs)
        times.append(ms);
    json[key("iteration_ms")] = times;
    json[key("iteration_ms_median")] = iterationMsMedian;
    json[key("rss_peak_bytes")] = double(rssPeakBytes);
    json[key("threads")] = threads;
    json[key("libtorch_version")] = libtorchVersion;
    json[key("quantized_engine")] = quantizedEngine;
    json[key("traced")] = traced;
    if (hasOutOfMemory) {
        QJsonObject oom;
        oom[key("requested_bytes")] = double(outOfMemory.requestedBytes);
        oom[key("live_bytes")] = double(outOfMemory.liveBytes);
        oom[key("limit_bytes")] = double(outOfMemory.limitBytes);
        oom[key("layer")] = outOfMemory.layer;
        oom[key("op")] = outOfMemory.op;
        oom[key("phase")] = phaseName(outOfMemory.phase);
        oom[key("live_by_category")] = categoryObject(outOfMemory.liveByCategory);
        json[key("out_of_memory")] = oom;
    }
    if (!checkpointSegments.isEmpty()) {
        json[key("checkpoint_segments")] = QJsonArray::fromStringList(checkpointSegments);
        json[key("recompute_ms")] = recomputeMs;
    }
    if (plannedPeakBytes > 0)
        json[key("planned_peak_bytes")] = double(plannedPeakBytes);
    if (plannedStepMs > 0)
        json[key("planned_step_ms")] = plannedStepMs;
    QJsonObject precision;
    for (Phase phase : allPhases())
        if (!phasePrecision[int(phase)].isEmpty())
            precision[phaseName(phase)] = phasePrecision[int(phase)];
    if (!precision.isEmpty())
        json[key("phase_precision")] = precision;
    if (!data.isEmpty())
        json[key("data")] = data;
    if (!losses.isEmpty()) {
        QJsonArray values;
        for (double loss : losses)
            values.append(loss);
        json[key("losses")] = values;
    }
    if (loadMs > 0)
        json[key("load_ms")] = loadMs;
    if (constantCount > 0) {
        json[key("constant_bytes")] = double(constantBytes);
        json[key("constant_count")] = double(constantCount);
    }
    if (!operatorLibraries.isEmpty())
        json[key("operator_libraries")] = QJsonArray::fromStringList(operatorLibraries);
    if (!suppliedOperators.isEmpty())
        json[key("supplied_operators")] = QJsonArray::fromStringList(suppliedOperators);
    if (!attributionNote.isEmpty())
        json[key("attribution_note")] = attributionNote;
    return json;
}

RunMetrics RunMetrics::fromJson(const QJsonObject& json)
{
    RunMetrics m;
    m.peakBytes = qint64(json.value(key("peak_bytes")).toDouble());
    m.peakTimeNs = qint64(json.value(key("peak_time_ns")).toDouble());
    m.peakPhase = phaseFromName(json.value(key("peak_phase")).toString()).value_or(Phase::Setup);
    m.peakLayer = json.value(key("peak_layer")).toString();
    m.peakOp = json.value(key("peak_op")).toString();
    m.categoriesAtPeak = categoryBytes(json.value(key("categories_at_peak")).toObject());
    m.totalAllocatedBytes = qint64(json.value(key("total_allocated_bytes")).toDouble());
    m.eventCount = qint64(json.value(key("event_count")).toDouble());
    m.attributedFraction = json.value(key("attributed_fraction")).toDouble();
    m.unmatchedFrees = qint64(json.value(key("unmatched_frees")).toDouble());
    for (const QJsonValue& value : json.value(key("iteration_ms")).toArray())
        m.iterationMs.append(value.toDouble());
    m.iterationMsMedian = json.value(key("iteration_ms_median")).toDouble();
    m.rssPeakBytes = qint64(json.value(key("rss_peak_bytes")).toDouble());
    m.threads = json.value(key("threads")).toInt();
    m.libtorchVersion = json.value(key("libtorch_version")).toString();
    m.quantizedEngine = json.value(key("quantized_engine")).toString();
    m.traced = json.value(key("traced")).toBool(true);
    const QJsonObject oom = json.value(key("out_of_memory")).toObject();
    m.hasOutOfMemory = !oom.isEmpty();
    if (m.hasOutOfMemory) {
        m.outOfMemory.requestedBytes = qint64(oom.value(key("requested_bytes")).toDouble());
        m.outOfMemory.liveBytes = qint64(oom.value(key("live_bytes")).toDouble());
        m.outOfMemory.limitBytes = qint64(oom.value(key("limit_bytes")).toDouble());
        m.outOfMemory.layer = oom.value(key("layer")).toString();
        m.outOfMemory.op = oom.value(key("op")).toString();
        m.outOfMemory.phase = phaseFromName(oom.value(key("phase")).toString()).value_or(Phase::Forward);
        m.outOfMemory.liveByCategory = categoryBytes(oom.value(key("live_by_category")).toObject());
    }
    for (const QJsonValue& value : json.value(key("checkpoint_segments")).toArray())
        m.checkpointSegments << value.toString();
    m.recomputeMs = json.value(key("recompute_ms")).toDouble();
    m.plannedPeakBytes = qint64(json.value(key("planned_peak_bytes")).toDouble());
    m.plannedStepMs = json.value(key("planned_step_ms")).toDouble();
    const QJsonObject precision = json.value(key("phase_precision")).toObject();
    for (Phase phase : allPhases())
        m.phasePrecision[int(phase)] = precision.value(phaseName(phase)).toString();
    m.data = json.value(key("data")).toString();
    for (const QJsonValue& value : json.value(key("losses")).toArray())
        m.losses.append(value.toDouble());
    m.loadMs = json.value(key("load_ms")).toDouble();
    m.constantBytes = qint64(json.value(key("constant_bytes")).toDouble());
    m.constantCount = qint64(json.value(key("constant_count")).toDouble());
    for (const QJsonValue& value : json.value(key("operator_libraries")).toArray())
        m.operatorLibraries << value.toString();
    for (const QJsonValue& value : json.value(key("supplied_operators")).toArray())
        m.suppliedOperators << value.toString();
    m.attributionNote = json.value(key("attribution_note")).toString();
    return m;
}

} // namespace memoscope
