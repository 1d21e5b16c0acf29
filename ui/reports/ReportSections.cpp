#include "ReportSections.h"

#include "HtmlTable.h"
#include "core/ByteFormat.h"

#include <QFileInfo>
#include <cmath>

namespace memoscope {

namespace {
    QString percent(double fraction) { return QStringLiteral("%1 %").arg(100 * fraction, 0, 'f', 2); }

    void add(HtmlTable* table, const QString& name, const QString& value)
    {
        HtmlCell key = textCell(name);
        key.bold = true;
        table->addRow({ key, textCell(value) });
    }

    QString ratio(qint64 after, qint64 before)
    {
        return before > 0 ? QStringLiteral(" (%1x)").arg(double(after) / double(before), 0, 'f', 3) : QString();
    }

    QString beforeAfter(qint64 before, qint64 after)
    {
        return QStringLiteral("%1 → %2%3").arg(formatBytes(before), formatBytes(after), ratio(after, before));
    }
}

QString runLabel(const StoredRun& run)
{
    const QString name = run.summary.name.isEmpty() ? QFileInfo(run.summary.modelPath).fileName() : run.summary.name;
    return QStringLiteral("#%1 %2").arg(run.summary.id).arg(name);
}

QString configurationHtml(const StoredRun& run, const MachineInfo& machine)
{
    const RunConfig& config = run.summary.config;
    const RunMetrics& metrics = run.metrics;
    HtmlTable table(QStringLiteral("configuration-%1").arg(run.summary.id), QStringLiteral("keys"));
    add(&table, QStringLiteral("Model"), run.summary.modelPath);
    add(&table, QStringLiteral("Model SHA-256"), run.model.sha256);
    add(&table, QStringLiteral("Parameters"),
        QStringLiteral("%1 (%2 values, buffers included)")
            .arg(formatBytes(run.model.paramBytes))
            .arg(run.model.paramCount));
    add(&table, QStringLiteral("Inputs"), config.inputs.join(QStringLiteral("  ")));
    QString mode = modeName(config.mode);
    if (config.mode == RunMode::Train)
        mode += QStringLiteral(", %1 (learning rate %2)").arg(optimizerName(config.optimizer)).arg(config.learningRate);
    if (!config.labels.isEmpty())
        mode += QStringLiteral(", labels %1").arg(config.labels);
    add(&table, QStringLiteral("Mode"), mode);
    add(&table, QStringLiteral("Iterations"),
        QStringLiteral("%1 measured after %2 warm-up%3")
            .arg(config.iterations)
            .arg(config.warmup)
            .arg(config.trace ? QString() : QStringLiteral(", not traced (--no-trace)")));
    if (config.memoryLimitBytes > 0)
        add(&table, QStringLiteral("Memory limit"), formatBytes(config.memoryLimitBytes));
    add(&table, QStringLiteral("Status"),
        statusName(run.summary.status)
            + (run.summary.error.isEmpty() ? QString() : QStringLiteral(": ") + run.summary.error));
    add(&table, QStringLiteral("Made"),
        run.summary.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    // Environment: what ran the model (from the run) and the machine (where the report was made).
    add(&table, QStringLiteral("CPU"),
        QStringLiteral("%1, %2 logical CPUs").arg(machine.cpuModel).arg(machine.logicalCpus));
    add(&table, QStringLiteral("Threads"),
        metrics.threads > 0 ? QStringLiteral("%1 intra-op").arg(metrics.threads) : QStringLiteral("—"));
    add(&table, QStringLiteral("LibTorch"),
        metrics.libtorchVersion.isEmpty() ? QStringLiteral("—") : metrics.libtorchVersion + QStringLiteral(" (CPU)"));
    add(&table, QStringLiteral("Quantized engine"),
        metrics.quantizedEngine.isEmpty() ? QStringLiteral("—") : metrics.quantizedEngine);
    add(&table, QStringLiteral("Qt"), machine.qtVersion);
    add(&table, QStringLiteral("System"), machine.operatingSystem);
    return table.toHtml();
}

QString optimizationHtml(const OptimizationRecord& record)
{
    HtmlTable table({}, QStringLiteral("keys"));
    add(&table, QStringLiteral("Applied"), record.applied.join(QStringLiteral(", then ")));
    add(&table, QStringLiteral("Original model"),
        record.sourceModel
            + (record.baselineRunId >= 0 ? QStringLiteral(" (run #%1)").arg(record.baselineRunId) : QString()));
    if (!record.quantizedEngine.isEmpty())
        add(&table, QStringLiteral("Quantized engine"), record.quantizedEngine);
    add(&table, QStringLiteral("Parameters"), beforeAfter(record.paramBytesBefore, record.paramBytesAfter));
    if (record.bufferBytesBefore > 0)
        add(&table, QStringLiteral("Buffers (e.g. BatchNorm statistics)"),
            beforeAfter(record.bufferBytesBefore, record.bufferBytesAfter));
    add(&table, QStringLiteral("File"), beforeAfter(record.fileBytesBefore, record.fileBytesAfter));
    if (record.peakBytesBefore && record.peakBytesAfter)
        add(&table, QStringLiteral("Peak"), beforeAfter(*record.peakBytesBefore, *record.peakBytesAfter));
    add(&table, QStringLiteral("Changed layers"),
        record.changedLayers.isEmpty() ? QStringLiteral("none")
                                       : QStringLiteral("%1: %2")
                                             .arg(record.changedLayers.size())
                                             .arg(record.changedLayers.join(QStringLiteral(", "))));
    for (const SkippedLayerRecord& skipped : record.skippedLayers)
        add(&table, QStringLiteral("Skipped %1").arg(skipped.layer),
            QStringLiteral("%1: %2").arg(skipped.technique, skipped.reason));
    if (record.fidelity) {
        const FidelityReport& f = *record.fidelity;
        add(&table, QStringLiteral("Fidelity"),
            QStringLiteral("on %1 samples: max abs error %2, mean relative error %3, cosine %4")
                .arg(f.samples)
                .arg(QString::number(f.maxAbsError, 'g', 4), percent(f.meanRelativeError),
                    QString::number(f.cosine, 'f', 5)));
        add(&table, QStringLiteral("Top-1 agreement"),
            std::isnan(f.top1Agreement) ? QStringLiteral("— (the output has one class)") : percent(f.top1Agreement));
        if (f.accuracyBefore && f.accuracyAfter)
            add(&table, QStringLiteral("Accuracy"),
                QStringLiteral("%1 → %2 (%3 points)")
                    .arg(percent(*f.accuracyBefore), percent(*f.accuracyAfter))
                    .arg(100 * (*f.accuracyAfter - *f.accuracyBefore), 0, 'f', 2));
        else
            add(&table, QStringLiteral("Accuracy"), QStringLiteral("not measured (optimize --data DATA measures it)"));
    }
    if (record.accuracyByStep.size() > 2)
        add(&table, QStringLiteral("Accuracy by step"), accuracyByStepText(record));
    if (!record.prunedLayers.isEmpty())
        add(&table, QStringLiteral("Pruned"), record.prunedLayers.join(QStringLiteral(", ")));
    for (const QString& text : record.notes)
        add(&table, QStringLiteral("Note"), text);
    return table.toHtml();
}

QString adviceHtml(const QVector<ReportRecommendation>& recommendations, const QVector<ReportRun>& runs)
{
    if (recommendations.isEmpty())
        return {};
    HtmlTable table(QStringLiteral("advice-table"));
    table.setHeader({ textCell(QStringLiteral("Run")), textCell(QStringLiteral("Technique")),
        textCell(QStringLiteral("Settings")), numberCell(QStringLiteral("Predicted saving")),
        numberCell(QStringLiteral("of peak")), textCell(QStringLiteral("Risk")), textCell(QStringLiteral("Why")) });
    for (const ReportRecommendation& recommendation : recommendations) {
        const StoredRun* run = runs.isEmpty() ? nullptr : &runs.first().run;
        for (const ReportRun& candidate : runs)
            if (candidate.run.summary.id == recommendation.runId)
                run = &candidate.run;
        const qint64 peak = run ? run->metrics.peakBytes : 0;
        table.addRow({ textCell(run ? QStringLiteral("#%1").arg(run->summary.id) : QString()),
            textCell(recommendation.technique), textCell(recommendation.settings),
            numberCell(formatBytes(recommendation.predictedSavingBytes)),
            numberCell(peak > 0 ? QStringLiteral("%1 %").arg(
                           100.0 * double(recommendation.predictedSavingBytes) / double(peak), 0, 'f', 1)
                                : QString()),
            textCell(recommendation.risk), textCell(recommendation.reason) });
    }
    return table.toHtml();
}

} // namespace memoscope
