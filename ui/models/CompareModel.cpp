#include "CompareModel.h"

#include "core/ByteFormat.h"
#include "core/ModelQuality.h"

#include <QBrush>
#include <QFileInfo>
#include <cmath>

namespace memoscope {

namespace {
    using Format = CompareMetric::Format;

    CompareMetric atPeak(Category category)
    {
        return { QStringLiteral("At peak: %1").arg(categoryLabel(category)),
            QStringLiteral("Bytes of %1 alive at the peak moment").arg(categoryLabel(category)),
            [category](const StoredRun& run, const QVector<StoredRun>&) { return double(run.metrics.categoriesAtPeak[int(category)]); }, true,
            Format::Bytes };
    }

    // "+1.50" / "-0.25" / "0.00": a rounded zero carries no sign.
    QString signedNumber(double value, int decimals)
    {
        QString digits = QString::number(std::abs(value), 'f', decimals);
        if (digits.toDouble() == 0)
            return digits;
        return (value < 0 ? QStringLiteral("-") : QStringLiteral("+")) + digits;
    }

    QString formatValue(double value, Format format)
    {
        if (std::isnan(value))
            return QStringLiteral("-");
        switch (format) {
        case Format::Bytes:
            return formatBytes(std::llround(value));
        case Format::Milliseconds:
            return QStringLiteral("%1 ms").arg(value, 0, 'f', 2);
        case Format::Percent:
            return QStringLiteral("%1 %").arg(100 * value, 0, 'f', 1);
        case Format::Count:
            return QString::number(std::llround(value));
        }
        return {};
    }

    QString formatDifference(double difference, Format format)
    {
        switch (format) {
        case Format::Bytes:
            return formatByteDelta(std::llround(difference));
        case Format::Milliseconds:
            return signedNumber(difference, 2) + QStringLiteral(" ms");
        case Format::Percent:
            return signedNumber(100 * difference, 1) + QStringLiteral(" pp");
        case Format::Count:
            return signedNumber(difference, 0);
        }
        return {};
    }

    QString runLabel(const StoredRun& run)
    {
        QString name = run.summary.name;
        if (name.isEmpty())
            name = QFileInfo(run.summary.modelPath.isEmpty() ? run.model.path : run.summary.modelPath).fileName();
        return QStringLiteral("#%1 %2").arg(run.summary.id).arg(name);
    }
}

const QVector<CompareMetric>& CompareModel::metrics()
{
    // What the model costs, how fast it runs and what it is worth first; the memory in detail after.
    static const QVector<CompareMetric> table = {
        { QStringLiteral("Peak"), QStringLiteral("The most tensor memory alive at once"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return double(run.metrics.peakBytes); }, true, Format::Bytes },
        { QStringLiteral("Parameters"), QStringLiteral("The model's parameters and buffers"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return double(run.model.paramBytes); }, true, Format::Bytes },
        { QStringLiteral("Iteration"), QStringLiteral("Median wall time of one measured iteration"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return run.metrics.iterationMsMedian; }, true, Format::Milliseconds,
            true },
        { QStringLiteral("Accuracy"),
            QStringLiteral("On the labelled data `optimize` measured it with (--data, or distillation's held-out part)"),
            accuracyOfRun, false, Format::Percent },
        { QStringLiteral("Top-1 agreement"),
            QStringLiteral("Share of samples whose top class is the original model's, as `optimize` measured it"),
            top1AgreementOfRun, false, Format::Percent },
        atPeak(Category::Parameter),
        atPeak(Category::Gradient),
        atPeak(Category::Activation),
        atPeak(Category::OptimizerState),
        atPeak(Category::Input),
        atPeak(Category::Output),
        atPeak(Category::Temporary),
        atPeak(Category::Data),
        { QStringLiteral("Allocated"), QStringLiteral("Bytes allocated over the measured iterations"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return double(run.metrics.totalAllocatedBytes); }, true, Format::Bytes },
        { QStringLiteral("Process peak RSS"),
            QStringLiteral("Resident high-water mark of the whole worker process, LibTorch included"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return double(run.metrics.rssPeakBytes); }, true, Format::Bytes },
        { QStringLiteral("Events"), QStringLiteral("Allocations and frees recorded"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return double(run.metrics.eventCount); }, true, Format::Count },
        { QStringLiteral("Attributed"),
            QStringLiteral("Share of allocated bytes owned by a named layer or made in a phase outside the layers"),
            [](const StoredRun& run, const QVector<StoredRun>&) { return run.metrics.attributedFraction; }, false, Format::Percent },
    };
    return table;
}

QColor CompareModel::improvementColor() { return QColor(0xd3, 0xf2, 0xd3); }

QColor CompareModel::regressionColor() { return QColor(0xf8, 0xd3, 0xd3); }

QVariant CompareModel::changeBrush(ChangeVerdict verdict)
{
    if (verdict == ChangeVerdict::Improvement)
        return QBrush(improvementColor());
    if (verdict == ChangeVerdict::Regression)
        return QBrush(regressionColor());
    return {};
}

CompareModel::CompareModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void CompareModel::resetData(const QVector<StoredRun>& runs)
{
    // Only the figures are kept: a StoredRun may carry its whole event trace.
    QVector<RunColumn> columns;
    columns.reserve(runs.size());
    for (const StoredRun& run : runs) {
        RunColumn column;
        column.id = run.summary.id;
        column.label = runLabel(run);
        column.toolTip = QStringLiteral("%1\n%2, %3")
                             .arg(run.summary.modelPath.isEmpty() ? run.model.path : run.summary.modelPath,
                                 modeName(run.summary.config.mode), statusName(run.summary.status));
        for (const CompareMetric& metric : metrics())
            column.values.append(metric.value(run, runs));
        column.spread = iterationSpread(run.metrics);
        columns.append(column);
    }
    beginResetModel();
    m_runs = columns;
    endResetModel();
}

void CompareModel::clearData() { resetData({}); }

int CompareModel::runCount() const { return int(m_runs.size()); }

int CompareModel::runColumn(int runIndex) const { return FirstRunColumn + runIndex; }

int CompareModel::deltaColumn(int runIndex) const { return FirstRunColumn + runCount() + runIndex - 1; }

int CompareModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || m_runs.isEmpty() ? 0 : int(metrics().size());
}

int CompareModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid())
        return 0;
    return FirstRunColumn + runCount() + std::max(0, runCount() - 1);
}

QVariant CompareModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int metric = index.row();
    const int column = index.column();
    if (column == MetricColumn) {
        const CompareMetric& definition = metrics()[metric];
        switch (role) {
        case Qt::DisplayRole:
            return definition.name;
        case SortRole:
            return metric; // sorting by the name column restores the table's own order
        case Qt::ToolTipRole:
            return definition.description
                + (definition.lowerIsBetter ? QStringLiteral("\nLower is better.")
                                            : QStringLiteral("\nHigher is better."));
        }
        return {};
    }
    if (column < FirstRunColumn + runCount())
        return runCell(metric, column - FirstRunColumn, role);
    return deltaCell(metric, column - FirstRunColumn - runCount() + 1, role);
}

QVariant CompareModel::runCell(int metric, int runIndex, int role) const
{
    const double value = m_runs[runIndex].values[metric];
    const std::optional<IterationSpread>& spread = m_runs[runIndex].spread;
    const bool withSpread = metrics()[metric].iterationTime && spread && !std::isnan(value);
    switch (role) {
    case Qt::DisplayRole:
        if (withSpread) // the median, then the range the iterations took
            return QStringLiteral("%1 (%2–%3)")
                .arg(formatValue(value, Format::Milliseconds), QString::number(spread->minMs, 'f', 1),
                    QString::number(spread->maxMs, 'f', 1));
        return formatValue(value, metrics()[metric].format);
    case Qt::ToolTipRole:
        if (withSpread)
            return QStringLiteral("Over its measured iterations: min %1 ms, median %2 ms, max %3 ms")
                .arg(spread->minMs, 0, 'f', 2)
                .arg(spread->medianMs, 0, 'f', 2)
                .arg(spread->maxMs, 0, 'f', 2);
        return {};
    case SortRole:
        return std::isnan(value) ? QVariant() : QVariant(value);
    case Qt::TextAlignmentRole:
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

ChangeVerdict CompareModel::verdict(int metric, int runIndex) const
{
    const CompareMetric& definition = metrics()[metric];
    const RunColumn& base = m_runs.first();
    const RunColumn& run = m_runs[runIndex];
    double noise = 0;
    if (definition.iterationTime && base.spread && run.spread)
        noise = std::max(base.spread->widthMs(), run.spread->widthMs());
    return judgeChange(base.values[metric], run.values[metric], definition.lowerIsBetter, noise,
        definition.format == Format::Percent ? NeutralShareChange : -1);
}

QVariant CompareModel::deltaCell(int metric, int runIndex, int role) const
{
    const CompareMetric& definition = metrics()[metric];
    const double base = m_runs.first().values[metric];
    const double value = m_runs[runIndex].values[metric];
    const bool comparable = !std::isnan(base) && !std::isnan(value);
    const double difference = value - base;
    const ChangeVerdict judged = comparable ? verdict(metric, runIndex) : ChangeVerdict::Unchanged;
    const bool coloured = judged == ChangeVerdict::Improvement || judged == ChangeVerdict::Regression;
    switch (role) {
    case Qt::DisplayRole: {
        if (!comparable)
            return QStringLiteral("-");
        QString text = formatDifference(difference, definition.format);
        // Beyond ten times the base (512 B of temporaries becoming 12 MiB), a ratio reads better than a
        // percentage in the millions.
        if (base != 0 && std::abs(difference / base) >= 10 && value / base > 0)
            text += QStringLiteral(" (×%1)").arg(QString::number(value / base, 'f', 0));
        else if (base != 0)
            text += QStringLiteral(" (%1 %)").arg(signedNumber(100 * difference / std::abs(base), 1));
        if (judged == ChangeVerdict::WithinNoise)
            text += QStringLiteral(" within noise");
        return text;
    }
    case Qt::ToolTipRole:
        if (judged == ChangeVerdict::WithinNoise)
            return QStringLiteral("Smaller than the spread of the two runs' iteration times (max − min): not a "
                                  "measured change.");
        if (judged == ChangeVerdict::Neutral)
            return definition.format == Format::Percent
                ? QStringLiteral("Below %1 percentage points: neither better nor worse.").arg(100 * NeutralShareChange)
                : QStringLiteral("Below %1 % of run #%2's figure: neither better nor worse.")
                      .arg(100 * NeutralChangeFraction)
                      .arg(m_runs.first().id);
        return {};
    case SortRole:
        return comparable ? QVariant(difference) : QVariant();
    case Qt::BackgroundRole:
        return changeBrush(judged);
    case Qt::ForegroundRole:
        // Dark text on the light colours, also under a dark palette.
        return coloured ? QVariant(QBrush(Qt::black)) : QVariant();
    case Qt::TextAlignmentRole:
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant CompareModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return {};
    if (section == MetricColumn)
        return role == Qt::DisplayRole ? QVariant(QStringLiteral("Metric")) : QVariant();
    if (section < FirstRunColumn + runCount()) {
        const RunColumn& run = m_runs[section - FirstRunColumn];
        if (role == Qt::DisplayRole)
            return run.label;
        if (role == Qt::ToolTipRole)
            return run.toolTip;
        return {};
    }
    const RunColumn& run = m_runs[section - FirstRunColumn - runCount() + 1];
    if (role == Qt::DisplayRole)
        return QStringLiteral("Δ vs #%1").arg(m_runs.first().id);
    // Several difference columns share one title; the tooltip says which run each belongs to.
    if (role == Qt::ToolTipRole)
        return QStringLiteral("%1 compared with %2").arg(run.label, m_runs.first().label);
    return {};
}

} // namespace memoscope
