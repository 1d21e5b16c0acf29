#include "RunReport.h"

#include "MemoryGuard.h"

#include "Analysis.h"
#include "ByteFormat.h"

#include <QFileInfo>
#include <QTextStream>
#include <algorithm>
#include <cmath>

namespace memoscope {

namespace {
    QString key(const char* name) { return QString::fromLatin1(name); }

    QJsonObject layerToJson(const LayerRow& row, const LayerRow& own, const Layer& layer, const QVector<Layer>& all)
    {
        QJsonObject json;
        json[key("path")] = layer.path;
        json[key("type")] = row.type;
        json[key("depth")] = row.depth;
        json[key("parent")] = layer.parentId >= 0 ? QJsonValue(all[layer.parentId].path) : QJsonValue();
        json[key("pseudo")] = layer.pseudo;
        json[key("param_count")] = double(row.paramCount);
        json[key("param_bytes")] = double(row.paramBytes);
        json[key("allocated_bytes")] = double(row.allocatedBytes);
        json[key("peak_contribution_bytes")] = double(row.peakContributionBytes);
        json[key("activation_bytes")] = double(row.activationBytes);
        json[key("forward_ms")] = row.forwardMs;
        json[key("backward_ms")] = row.backwardMs;
        // The layer's own share, without its children, so that sums over all layers do not count twice.
        QJsonObject self;
        self[key("param_bytes")] = double(own.paramBytes);
        self[key("allocated_bytes")] = double(own.allocatedBytes);
        self[key("peak_contribution_bytes")] = double(own.peakContributionBytes);
        self[key("activation_bytes")] = double(own.activationBytes);
        self[key("forward_ms")] = own.forwardMs;
        self[key("backward_ms")] = own.backwardMs;
        json[key("self")] = self;
        return json;
    }

    int iterationsOf(const StoredRun& run)
    {
        return std::max(1, run.trace.iterationCount() > 0 ? run.trace.iterationCount() : run.summary.config.iterations);
    }

    QString percent(double fraction) { return QStringLiteral("%1 %").arg(fraction * 100, 0, 'f', 1); }
}

QJsonObject runToJson(const StoredRun& run)
{
    const RunMetrics& m = run.metrics;
    const RunConfig& config = run.summary.config;
    QJsonObject json;
    json[key("run_id")] = double(run.summary.id);
    json[key("name")] = run.summary.name;
    json[key("status")] = statusName(run.summary.status);
    json[key("source")] = config.recorded() ? config.source : QStringLiteral("profiled");
    json[key("error")] = run.summary.error.isEmpty() ? QJsonValue() : QJsonValue(run.summary.error);
    json[key("model")] = run.summary.modelPath;
    json[key("model_sha256")] = run.model.sha256;
    json[key("created_at")] = run.summary.createdAt.toString(Qt::ISODateWithMs);
    json[key("mode")] = modeName(config.mode);
    if (config.mode == RunMode::Train)
        json[key("optimizer")] = optimizerName(config.optimizer);
    json[key("iterations")] = config.iterations;
    json[key("warmup")] = config.warmup;
    json[key("config")] = config.toJson();
    json[key("param_bytes")] = double(run.model.paramBytes);
    json[key("param_count")] = double(run.model.paramCount);

    const QJsonObject metrics = m.toJson();
    for (auto it = metrics.begin(); it != metrics.end(); ++it)
        json[it.key()] = it.value();
    json[key("rss_peak_note")] = QStringLiteral("whole worker process from the kernel, LibTorch included; "
                                                "not comparable with peak_bytes");

    QJsonArray layers;
    const int iterations = iterationsOf(run);
    const QVector<LayerRow> total = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::WithChildren);
    const QVector<LayerRow> own = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::Own);
    for (const Layer& layer : run.trace.layers)
        layers.append(layerToJson(total[layer.id], own[layer.id], layer, run.trace.layers));
    json[key("layers")] = layers;
    if (run.optimization)
        json[key("optimization")] = run.optimization->toJson();
    if (run.prediction)
        json[key("prediction")] = run.prediction->toJson();
    return json;
}

QJsonArray runListToJson(const QVector<RunSummary>& runs)
{
    QJsonArray list;
    for (const RunSummary& run : runs) {
        QJsonObject json;
        json[key("run_id")] = double(run.id);
        json[key("name")] = run.name;
        json[key("model")] = run.modelPath;
        json[key("status")] = statusName(run.status);
        json[key("error")] = run.error.isEmpty() ? QJsonValue() : QJsonValue(run.error);
        json[key("mode")] = modeName(run.config.mode);
        json[key("created_at")] = run.createdAt.toString(Qt::ISODateWithMs);
        json[key("peak_bytes")] = double(run.peakBytes);
        json[key("iteration_ms_median")] = run.iterationMsMedian;
        json[key("event_count")] = double(run.eventCount);
        json[key("config")] = run.config.toJson();
        list.append(json);
    }
    return list;
}

namespace {
    // What ran and how: the model, the mode, the limit, and what ended or changed the run.
    void writeRunHeader(QTextStream& out, const StoredRun& run)
    {
        const RunMetrics& m = run.metrics;
        const RunConfig& config = run.summary.config;
        out << "Run " << run.summary.id << "  " << statusName(run.summary.status) << "  "
            << QFileInfo(run.summary.modelPath).fileName() << "  (" << modeName(config.mode);
        if (config.mode == RunMode::Train)
            out << ", " << optimizerName(config.optimizer);
        out << ", " << config.iterations << " iterations after " << config.warmup << " warm-up, " << m.threads
            << (m.threads == 1 ? " thread)" : " threads)") << "\n";
        out << "Memory limit: " << memoryLimitText(config) << "\n";
        if (!run.summary.error.isEmpty())
            out << "Error: " << run.summary.error << "\n";
        if (config.recorded())
            out << "Recorded in process: "
                << (config.modelClass.isEmpty() ? QStringLiteral("a model") : config.modelClass)
                << (config.optimizerClass.isEmpty() ? QString() : QStringLiteral(", ") + config.optimizerClass)
                << ", torch " << m.libtorchVersion
                << (config.device.isEmpty() ? QString() : QStringLiteral(", ") + config.device)
                << (config.rank >= 0 ? QStringLiteral(", rank %1 of %2").arg(config.rank).arg(config.worldSize)
                                     : QString())
                << "\n";
        if (m.hasOutOfMemory) {
            const OutOfMemoryMoment& oom = m.outOfMemory;
            out << "Out of memory: " << formatBytes(oom.requestedBytes) << " requested with "
                << formatBytes(oom.liveBytes) << " live, limit " << formatBytes(oom.limitBytes) << ", in "
                << phaseName(oom.phase) << (oom.layer.isEmpty() ? QString() : QStringLiteral(", layer ") + oom.layer)
                << (oom.op.isEmpty() ? QString() : QStringLiteral(" (") + oom.op + QLatin1Char(')')) << "\n";
            for (Category category : allCategories())
                if (oom.liveByCategory[int(category)] != 0)
                    out << "  " << categoryLabel(category).leftJustified(17)
                        << formatBytes(oom.liveByCategory[int(category)]) << "\n";
        }
        if (run.optimization)
            out << "Optimized model: " << run.optimization->applied.join(QStringLiteral(", then ")) << " of "
                << QFileInfo(run.optimization->sourceModel).fileName() << " (baseline run "
                << run.optimization->baselineRunId << ")\n";
        if (run.prediction) {
            const PredictionRecord& p = *run.prediction;
            out << "Advisor's prediction: peak " << formatBytes(p.predictedPeakBytes) << ", measured "
                << formatBytes(p.measuredPeakBytes) << "; saving predicted " << formatBytes(p.predictedSavingBytes())
                << ", measured " << formatBytes(p.measuredSavingBytes());
            if (std::isfinite(p.savingError()))
                out << " (" << (p.savingError() >= 0 ? "+" : "") << QString::number(p.savingError() * 100, 'f', 1)
                    << " %)";
            out << "\n";
        }
    }

    // The figures of a traced run: parameters, the peak and what it holds, time, and how the run was set up.
    void writeTracedSummary(QTextStream& out, const StoredRun& run)
    {
        const RunMetrics& m = run.metrics;
        out << "Parameters       " << formatBytes(run.model.paramBytes) << " (" << run.model.paramCount
            << " values, buffers included"
            << (m.constantCount > 0 ? QStringLiteral("; %1 in %2 values held as constants")
                                          .arg(formatBytes(m.constantBytes))
                                          .arg(m.constantCount)
                                    : QString())
            << ")\n";
        out << "Peak             " << formatBytes(m.peakBytes) << " at " << QString::number(m.peakTimeNs / 1e6, 'f', 1)
            << " ms, " << phaseName(m.peakPhase)
            << (m.peakLayer.isEmpty() ? QString() : QStringLiteral(", in ") + m.peakLayer)
            << (m.peakOp.isEmpty() ? QString() : QStringLiteral(" (") + m.peakOp + QLatin1Char(')')) << "\n";
        for (Category category : allCategories())
            if (m.categoriesAtPeak[int(category)] != 0)
                out << "  " << categoryLabel(category).leftJustified(17)
                    << formatBytes(m.categoriesAtPeak[int(category)]) << "\n";
        out << "Allocated        " << formatBytes(m.totalAllocatedBytes) << " in " << m.eventCount << " events, "
            << percent(m.attributedFraction) << " attributed to a layer or phase\n";
        out << "Iteration        " << QString::number(m.iterationMsMedian, 'f', 2) << " ms median\n";
        if (!m.checkpointSegments.isEmpty()) {
            out << "Checkpointed     " << m.checkpointSegments.join(QStringLiteral(", ")) << " (recompute "
                << QString::number(m.recomputeMs, 'f', 1) << " ms per iteration)\n";
            if (m.plannedPeakBytes > 0)
                out << "  planned peak   " << formatBytes(m.plannedPeakBytes) << ", measured "
                    << formatBytes(m.peakBytes) << "\n";
            if (m.plannedStepMs > 0)
                out << "  planned step   " << QString::number(m.plannedStepMs, 'f', 1) << " ms, measured "
                    << QString::number(m.iterationMsMedian, 'f', 1) << " ms\n";
        }
        QStringList precision;
        for (Phase phase : allPhases())
            if (!m.phasePrecision[int(phase)].isEmpty())
                precision << phaseName(phase) + QLatin1Char(' ') + m.phasePrecision[int(phase)];
        if (!precision.isEmpty())
            out << "Precision        " << precision.join(QStringLiteral(", ")) << "\n";
        if (!m.data.isEmpty())
            out << "Data             " << m.data << "\n";
        if (!m.suppliedOperators.isEmpty())
            out << "Supplied ops     " << m.suppliedOperators.join(QStringLiteral(", "))
                << " (newer than this LibTorch; Memoscope's own implementation)\n";
        if (!m.operatorLibraries.isEmpty())
            out << "Op libraries     " << m.operatorLibraries.join(QStringLiteral(", ")) << "\n";
        if (!m.attributionNote.isEmpty())
            out << "Layers           " << m.attributionNote << "\n";
        out << "Process peak RSS " << formatBytes(m.rssPeakBytes)
            << " (whole worker process, LibTorch included; not the allocator peak)\n";
    }

    // Every layer with its children, as a tree.
    void writeAllLayers(QTextStream& out, const StoredRun& run, int iterations)
    {
        const QVector<LayerRow> rows
            = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::WithChildren);
        out << "\nLayers (with their children)\n";
        out << QStringLiteral("  %1 %2 %3 %4 %5 %6 %7\n")
                   .arg(QStringLiteral("layer"), -40)
                   .arg(QStringLiteral("type"), -18)
                   .arg(QStringLiteral("params"), 10)
                   .arg(QStringLiteral("peak"), 10)
                   .arg(QStringLiteral("activations"), 12)
                   .arg(QStringLiteral("fwd ms"), 8)
                   .arg(QStringLiteral("bwd ms"), 8);
        for (const LayerRow& row : rows) {
            const QString name = QString(row.depth * 2, QLatin1Char(' ')) + row.path.section(QLatin1Char('.'), -1);
            out << QStringLiteral("  %1 %2 %3 %4 %5 %6 %7\n")
                       .arg(name.left(40), -40)
                       .arg(row.type.left(18), -18)
                       .arg(formatBytes(row.paramBytes), 10)
                       .arg(formatBytes(row.peakContributionBytes), 10)
                       .arg(formatBytes(row.activationBytes), 12)
                       .arg(row.forwardMs, 8, 'f', 2)
                       .arg(row.backwardMs, 8, 'f', 2);
        }
    }

    // The layers that hold the most at the peak, by their own bytes.
    void writeTopLayers(QTextStream& out, const StoredRun& run, int iterations, int topLayers)
    {
        QVector<LayerRow> rows = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::Own);
        std::stable_sort(rows.begin(), rows.end(),
            [](const LayerRow& a, const LayerRow& b) { return a.peakContributionBytes > b.peakContributionBytes; });
        out << "\nTop layers by peak contribution (own bytes)\n";
        out << QStringLiteral("  %1 %2 %3 %4 %5\n")
                   .arg(QStringLiteral("layer"), -32)
                   .arg(QStringLiteral("type"), -18)
                   .arg(QStringLiteral("at peak"), 10)
                   .arg(QStringLiteral("params"), 10)
                   .arg(QStringLiteral("activations"), 12);
        for (int i = 0; i < std::min<int>(topLayers, rows.size()); ++i) {
            const LayerRow& row = rows[i];
            if (row.peakContributionBytes <= 0)
                break;
            out << QStringLiteral("  %1 %2 %3 %4 %5\n")
                       .arg(row.path.left(32), -32)
                       .arg(row.type.left(18), -18)
                       .arg(formatBytes(row.peakContributionBytes), 10)
                       .arg(formatBytes(row.paramBytes), 10)
                       .arg(formatBytes(row.activationBytes), 12);
        }
    }
}

QString runToText(const StoredRun& run, int topLayers, bool allLayers)
{
    const RunMetrics& m = run.metrics;
    QString text;
    QTextStream out(&text);
    writeRunHeader(out, run);
    if (!m.traced) {
        out << "Not traced (--no-trace): iteration " << QString::number(m.iterationMsMedian, 'f', 2)
            << " ms median; process peak RSS " << formatBytes(m.rssPeakBytes) << "\n";
        return text;
    }
    writeTracedSummary(out, run);
    const int iterations = iterationsOf(run);
    if (allLayers)
        writeAllLayers(out, run, iterations);
    else
        writeTopLayers(out, run, iterations, topLayers);
    return text;
}

QString escapedForLine(const QString& text)
{
    QString escaped;
    for (const QChar c : text) {
        if (c == QLatin1Char('\n'))
            escaped += QStringLiteral("\\n");
        else if (c == QLatin1Char('\r'))
            escaped += QStringLiteral("\\r");
        else if (c == QLatin1Char('\t'))
            escaped += QStringLiteral("\\t");
        else if (c == QLatin1Char('\\'))
            escaped += QStringLiteral("\\\\");
        else if (c.category() == QChar::Other_Control || c.category() == QChar::Separator_Line
            || c.category() == QChar::Separator_Paragraph)
            escaped += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            escaped += c;
    }
    return escaped;
}

QString runListToText(const QVector<RunSummary>& runs)
{
    QString text;
    QTextStream out(&text);
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
               .arg(QStringLiteral("id"), 5)
               .arg(QStringLiteral("status"), -9)
               .arg(QStringLiteral("mode"), -10)
               .arg(QStringLiteral("peak"), 10)
               .arg(QStringLiteral("iter ms"), 9)
               .arg(QStringLiteral("created (UTC)"), -20)
               .arg(QStringLiteral("model / name"));
    for (const RunSummary& run : runs) {
        QString label = QFileInfo(run.modelPath).fileName();
        if (!run.name.isEmpty())
            label += QStringLiteral(" / ") + escapedForLine(run.name);
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                   .arg(run.id, 5)
                   .arg(statusName(run.status), -9)
                   .arg(modeName(run.config.mode), -10)
                   .arg(run.status == RunStatus::Complete ? formatBytes(run.peakBytes) : QStringLiteral("-"), 10)
                   .arg(run.iterationMsMedian, 9, 'f', 2)
                   .arg(run.createdAt.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")), -20)
                   .arg(label);
    }
    return text;
}

QString optimizationToText(const OptimizationRecord& record)
{
    QString text;
    QTextStream out(&text);
    auto ratio = [](qint64 after, qint64 before) {
        return before > 0 ? QStringLiteral(" (%1x)").arg(double(after) / double(before), 0, 'f', 3) : QString();
    };
    out << "Optimized " << QFileInfo(record.sourceModel).fileName() << " -> " << record.outputModel << ": "
        << record.applied.join(QStringLiteral(", then ")) << "\n";
    out << "  changed " << record.changedLayers.size() << " layer" << (record.changedLayers.size() == 1 ? "" : "s");
    if (!record.changedLayers.isEmpty())
        out << ": " << record.changedLayers.mid(0, 8).join(QStringLiteral(", "))
            << (record.changedLayers.size() > 8 ? QStringLiteral(", ...") : QString());
    out << "\n";
    for (const SkippedLayerRecord& skipped : record.skippedLayers)
        out << "  skipped " << skipped.layer << " (" << skipped.technique << "): " << skipped.reason << "\n";
    out << "  parameters " << formatBytes(record.paramBytesBefore) << " -> " << formatBytes(record.paramBytesAfter)
        << ratio(record.paramBytesAfter, record.paramBytesBefore);
    if (record.bufferBytesBefore > 0)
        out << ", buffers " << formatBytes(record.bufferBytesBefore) << " -> " << formatBytes(record.bufferBytesAfter);
    out << "; file " << formatBytes(record.fileBytesBefore) << " -> " << formatBytes(record.fileBytesAfter)
        << ratio(record.fileBytesAfter, record.fileBytesBefore) << "\n";
    if (record.fidelity) {
        const FidelityReport& f = *record.fidelity;
        out << "  fidelity on " << f.samples << " samples: max abs error " << QString::number(f.maxAbsError, 'g', 4)
            << ", mean relative error " << percent(f.meanRelativeError) << ", cosine "
            << QString::number(f.cosine, 'f', 5);
        if (!std::isnan(f.top1Agreement))
            out << ", top-1 agreement " << percent(f.top1Agreement);
        out << "\n";
        if (f.accuracyBefore && f.accuracyAfter && record.accuracyByStep.isEmpty())
            out << "  accuracy " << percent(*f.accuracyBefore) << " -> " << percent(*f.accuracyAfter) << "\n";
    }
    if (!record.accuracyByStep.isEmpty())
        out << "  accuracy " << accuracyByStepText(record) << "\n";
    if (record.peakBytesBefore && record.peakBytesAfter)
        out << "  peak " << formatBytes(*record.peakBytesBefore) << " -> " << formatBytes(*record.peakBytesAfter)
            << ratio(*record.peakBytesAfter, *record.peakBytesBefore) << " (runs " << record.baselineRunId << " and "
            << record.optimizedRunId << ")\n";
    for (const QString& note : record.notes)
        out << "  note: " << note << "\n";
    return text;
}

} // namespace memoscope
