#include "RunComparison.h"

#include "core/RunReport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <cmath>

namespace memoscope {

std::optional<double> MetricRow::differenceFromFirst(int run) const
{
    if (values.isEmpty() || run >= values.size() || !values.first() || !values[run])
        return std::nullopt;
    return *values[run] - *values.first();
}

namespace {
    std::optional<double> finite(double value)
    {
        return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
    }

    // A run's accuracy: the last measured after its optimization; for a baseline, the "original" accuracy an
    // optimization of it measured.
    std::optional<double> accuracyOf(const StoredRun& run, const QVector<StoredRun>& all)
    {
        if (run.optimization) {
            if (!run.optimization->accuracyByStep.isEmpty())
                return run.optimization->accuracyByStep.last().accuracy;
            if (run.optimization->fidelity && run.optimization->fidelity->accuracyAfter)
                return *run.optimization->fidelity->accuracyAfter;
        }
        for (const StoredRun& other : all) {
            if (!other.optimization || other.optimization->baselineRunId != run.summary.id)
                continue;
            if (!other.optimization->accuracyByStep.isEmpty())
                return other.optimization->accuracyByStep.first().accuracy;
            if (other.optimization->fidelity && other.optimization->fidelity->accuracyBefore)
                return *other.optimization->fidelity->accuracyBefore;
        }
        return std::nullopt;
    }

    QString unitName(MetricUnit unit)
    {
        switch (unit) {
        case MetricUnit::Bytes:
            return QStringLiteral("bytes");
        case MetricUnit::Count:
            return QStringLiteral("count");
        case MetricUnit::Milliseconds:
            return QStringLiteral("ms");
        case MetricUnit::Fraction:
            return QStringLiteral("fraction");
        }
        return {};
    }
}

RunComparison compareRuns(const QVector<StoredRun>& runs)
{
    RunComparison comparison;
    MetricRow peak { QStringLiteral("peak_bytes"), QStringLiteral("Peak"), MetricUnit::Bytes, true, {} };
    MetricRow params { QStringLiteral("param_bytes"), QStringLiteral("Parameters"), MetricUnit::Bytes, true, {} };
    MetricRow paramCount { QStringLiteral("param_count"), QStringLiteral("Parameter count"), MetricUnit::Count, true,
        {} };
    MetricRow file { QStringLiteral("file_bytes"), QStringLiteral("File size"), MetricUnit::Bytes, true, {} };
    MetricRow latency { QStringLiteral("iteration_ms"), QStringLiteral("Latency (ms/iteration)"),
        MetricUnit::Milliseconds, true, {} };
    MetricRow cosine { QStringLiteral("fidelity_cosine"), QStringLiteral("Fidelity (cosine)"), MetricUnit::Fraction,
        false, {} };
    MetricRow top1 { QStringLiteral("top1_agreement"), QStringLiteral("Top-1 agreement"), MetricUnit::Fraction, false,
        {} };
    MetricRow accuracy { QStringLiteral("accuracy"), QStringLiteral("Accuracy"), MetricUnit::Fraction, false, {} };
    for (const StoredRun& run : runs) {
        QString label = QStringLiteral("%1 %2").arg(run.summary.id).arg(QFileInfo(run.summary.modelPath).fileName());
        if (!run.summary.name.isEmpty())
            label += QStringLiteral(" / ") + escapedForLine(run.summary.name);
        comparison.runs << ComparedRun { run.summary.id, label };
        peak.values << std::optional<double>(double(run.metrics.peakBytes));
        params.values << std::optional<double>(double(run.model.paramBytes));
        paramCount.values << std::optional<double>(double(run.model.paramCount));
        file.values << std::optional<double>(double(run.model.fileBytes));
        latency.values << std::optional<double>(run.metrics.iterationMsMedian);
        const bool hasFidelity = run.optimization && run.optimization->fidelity;
        cosine.values << (hasFidelity ? finite(run.optimization->fidelity->cosine) : std::nullopt);
        top1.values << (hasFidelity ? finite(run.optimization->fidelity->top1Agreement) : std::nullopt);
        accuracy.values << accuracyOf(run, runs);
    }
    comparison.metrics = { peak, params, paramCount, file, latency, cosine, top1, accuracy };
    for (int i = 1; i < runs.size(); ++i)
        comparison.layerDifferences << layerDifferences(runs.first(), runs[i]);
    comparison.ranks = compareRanks(runs);
    return comparison;
}

QJsonObject RunComparison::toJson() const
{
    auto value = [](const std::optional<double>& v) { return v ? QJsonValue(*v) : QJsonValue(); };
    QJsonArray runList;
    for (const ComparedRun& run : runs)
        runList.append(
            QJsonObject { { QStringLiteral("run_id"), double(run.runId) }, { QStringLiteral("label"), run.label } });
    QJsonArray metricList;
    for (const MetricRow& row : metrics) {
        QJsonArray values;
        QJsonArray differences;
        for (int i = 0; i < row.values.size(); ++i) {
            values.append(value(row.values[i]));
            differences.append(value(row.differenceFromFirst(i)));
        }
        metricList.append(QJsonObject { { QStringLiteral("key"), row.key }, { QStringLiteral("label"), row.label },
            { QStringLiteral("unit"), unitName(row.unit) }, { QStringLiteral("lower_is_better"), row.lowerIsBetter },
            { QStringLiteral("values"), values }, { QStringLiteral("difference_from_first"), differences } });
    }
    QJsonArray diffs;
    for (int i = 0; i < layerDifferences.size(); ++i) {
        QJsonArray layers;
        for (const LayerDifference& d : layerDifferences[i])
            layers.append(d.toJson());
        diffs.append(QJsonObject { { QStringLiteral("a"), double(runs.first().runId) },
            { QStringLiteral("b"), double(runs[i + 1].runId) }, { QStringLiteral("layers"), layers } });
    }
    QJsonObject json { { QStringLiteral("runs"), runList }, { QStringLiteral("metrics"), metricList },
        { QStringLiteral("layer_differences"), diffs } };
    if (ranks)
        json[QStringLiteral("ranks")] = ranks->toJson();
    return json;
}

} // namespace memoscope
