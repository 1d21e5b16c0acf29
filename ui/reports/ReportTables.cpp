#include "ReportTables.h"

#include "HtmlTable.h"
#include "core/Analysis.h"
#include "core/ByteFormat.h"
#include "core/export/Iterations.h"
#include "core/compare/LayerDiff.h"
#include "ui/models/CompareModel.h"

#include <QBrush>
#include <algorithm>
#include <numeric>

namespace memoscope {

namespace {
    QString percentOf(qint64 part, qint64 whole)
    {
        return whole > 0 ? QStringLiteral("%1 %").arg(100.0 * double(part) / double(whole), 0, 'f', 1) : QString();
    }

    QString milliseconds(double ms) { return QStringLiteral("%1 ms").arg(ms, 0, 'f', 2); }

    QString note(const QString& text) { return QStringLiteral("<p class=\"note\">%1</p>\n").arg(text); }

    // base: the layer's figure in the first run. Less memory is better; the colours (and the 1 % neutral band)
    // of CompareModel's difference columns.
    HtmlCell deltaCell(qint64 base, qint64 delta)
    {
        const QVariant brush = CompareModel::changeBrush(judgeChange(double(base), double(base + delta), true));
        return numberCell(delta == 0 ? QStringLiteral("0") : formatByteDelta(delta),
            brush.isValid() ? brush.value<QBrush>().color() : QColor());
    }

    QString bytesOrDash(const LayerFigures& figures, qint64 bytes)
    {
        return figures.present ? formatBytes(bytes) : QStringLiteral("—");
    }
}

QString comparisonTableHtml(const QVector<StoredRun>& runs)
{
    // The desktop app's comparison model is the one list of comparison metrics: the report reads it cell by cell.
    CompareModel model;
    model.resetData(runs);
    QVector<RunSummary> summaries;
    for (const StoredRun& run : runs)
        summaries << run.summary;
    const QString apartNote = measuredApartNote(summaries);
    HtmlTable table(QStringLiteral("comparison-table"));
    QVector<HtmlCell> header;
    for (int column = 0; column < model.columnCount(); ++column) {
        HtmlCell cell = textCell(model.headerData(column, Qt::Horizontal).toString());
        cell.number = column != CompareModel::MetricColumn;
        header << cell;
    }
    table.setHeader(header);
    for (int row = 0; row < model.rowCount(); ++row) {
        QVector<HtmlCell> cells;
        for (int column = 0; column < model.columnCount(); ++column) {
            const QModelIndex index = model.index(row, column);
            const QVariant background = index.data(Qt::BackgroundRole);
            HtmlCell cell = textCell(index.data(Qt::DisplayRole).toString());
            cell.number = column != CompareModel::MetricColumn;
            if (background.canConvert<QBrush>())
                cell.background = background.value<QBrush>().color();
            cells << cell;
        }
        table.addRow(cells);
    }
    return table.toHtml()
        + note(QStringLiteral("Differences are against run #%1; green is an improvement, red a regression; a change "
                              "below %2 % of run #%1's figure, or an iteration time inside the runs' spread, is "
                              "neither.%3")
                   .arg(runs.isEmpty() ? -1 : runs.first().summary.id)
                   .arg(100 * NeutralChangeFraction)
                   .arg(apartNote.isEmpty() ? QString() : QStringLiteral(" ") + apartNote.toHtmlEscaped()));
}

QString layerTableHtml(const StoredRun& run, int maxRows)
{
    const int iterations = measuredIterations(run);
    const QVector<LayerRow> total = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::WithChildren);
    const QVector<LayerRow> own = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::Own);
    QVector<int> order(total.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
        [&](int a, int b) { return total[a].peakContributionBytes > total[b].peakContributionBytes; });

    const bool training = run.summary.config.mode == RunMode::Train;
    HtmlTable table(QStringLiteral("layers-%1").arg(run.summary.id));
    QVector<HtmlCell> header { textCell(QStringLiteral("Layer")), textCell(QStringLiteral("Type")),
        numberCell(QStringLiteral("At peak")), numberCell(QStringLiteral("of peak")),
        numberCell(QStringLiteral("Own at peak")), numberCell(QStringLiteral("Parameters")),
        numberCell(QStringLiteral("Activations")), numberCell(QStringLiteral("Allocated")),
        numberCell(QStringLiteral("Forward")) };
    if (training)
        header << numberCell(QStringLiteral("Backward"));
    table.setHeader(header);
    const qint64 peak = run.metrics.peakBytes;
    for (int i = 0; i < std::min<int>(maxRows, int(order.size())); ++i) {
        const LayerRow& row = total[order[i]];
        QVector<HtmlCell> cells { textCell(row.path), textCell(row.type),
            numberCell(formatBytes(row.peakContributionBytes)), numberCell(percentOf(row.peakContributionBytes, peak)),
            numberCell(formatBytes(own[order[i]].peakContributionBytes)), numberCell(formatBytes(row.paramBytes)),
            numberCell(formatBytes(row.activationBytes)), numberCell(formatBytes(row.allocatedBytes)),
            numberCell(milliseconds(row.forwardMs)) };
        if (training)
            cells << numberCell(milliseconds(row.backwardMs));
        table.addRow(cells);
    }
    QString html = table.toHtml();
    QString explanation = QStringLiteral(
        "Figures include each layer's children; \"Own at peak\" is the layer's own share. Activations are per "
        "iteration, Allocated over all %1 measured iterations, times per iteration.")
                              .arg(iterations);
    if (order.size() > maxRows)
        explanation += QStringLiteral(" %1 more layers are left out; <tt>memoscope-cli export %2 --format csv</tt> "
                                      "writes them all.")
                           .arg(order.size() - maxRows)
                           .arg(run.summary.id);
    return html + note(explanation);
}

QString layerDifferenceHtml(const StoredRun& a, const StoredRun& b, int maxRows)
{
    const QVector<LayerDifference> differences = layerDifferences(a, b);
    if (differences.isEmpty())
        return note(QStringLiteral("No layer differs between runs #%1 and #%2.").arg(a.summary.id).arg(b.summary.id));
    HtmlTable table(QStringLiteral("layer-difference-%1-%2").arg(a.summary.id).arg(b.summary.id));
    table.setHeader({ textCell(QStringLiteral("Layer")), textCell(QStringLiteral("Type")),
        numberCell(QStringLiteral("At peak #%1").arg(a.summary.id)),
        numberCell(QStringLiteral("At peak #%1").arg(b.summary.id)), numberCell(QStringLiteral("Δ at peak")),
        numberCell(QStringLiteral("Δ parameters")), numberCell(QStringLiteral("Δ activations")),
        numberCell(QStringLiteral("Δ allocated / iteration")) });
    qint64 shownChange = 0;
    qint64 totalChange = 0;
    for (int i = 0; i < differences.size(); ++i) {
        const LayerDifference& d = differences[i];
        totalChange += d.peakContributionDelta();
        if (i >= maxRows)
            continue;
        shownChange += d.peakContributionDelta();
        table.addRow({ textCell(d.pathLabel(a.summary.id, b.summary.id)), textCell(d.typeLabel()), numberCell(bytesOrDash(d.a, d.a.peakContributionBytes)),
            numberCell(bytesOrDash(d.b, d.b.peakContributionBytes)), deltaCell(d.a.peakContributionBytes, d.peakContributionDelta()),
            deltaCell(d.a.paramBytes, d.paramDelta()), deltaCell(d.a.activationBytes, d.activationDelta()),
            deltaCell(d.a.allocatedBytes, d.allocatedDelta()) });
    }
    QString explanation
        = QStringLiteral("Run #%1 minus run #%2, each layer's own figures (children excluded), "
                         "largest change at the peak first. Layers' own changes at the peak add up to %3")
              .arg(b.summary.id)
              .arg(a.summary.id)
              .arg(formatByteDelta(totalChange));
    explanation += differences.size() > maxRows
        ? QStringLiteral("; the %1 rows shown hold %2 of it.").arg(maxRows).arg(formatByteDelta(shownChange))
        : QStringLiteral(".");
    // Above the table: below a long one it lands alone on a page of its own in the PDF.
    return note(explanation.toHtmlEscaped()) + table.toHtml();
}

} // namespace memoscope
