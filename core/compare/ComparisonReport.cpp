#include "ComparisonReport.h"

#include "core/ByteFormat.h"

#include <QTextStream>

namespace memoscope {

namespace {
    QString formatValue(MetricUnit unit, double value)
    {
        switch (unit) {
        case MetricUnit::Bytes:
            return formatBytes(qint64(value));
        case MetricUnit::Count:
            return QString::number(qint64(value));
        case MetricUnit::Milliseconds:
            return QString::number(value, 'f', 2);
        case MetricUnit::Fraction:
            return QString::number(value, 'f', 4);
        }
        return {};
    }

    QString formatDifference(MetricUnit unit, double difference, double first)
    {
        QString text;
        if (unit == MetricUnit::Bytes)
            text = formatByteDelta(qint64(difference));
        else
            text = (difference > 0 ? QStringLiteral("+") : QString()) + formatValue(unit, difference);
        if (unit != MetricUnit::Fraction && first != 0)
            text += QStringLiteral(" (%1%2 %)")
                        .arg(difference > 0 ? QStringLiteral("+") : QString())
                        .arg(100 * difference / first, 0, 'f', 1);
        return text;
    }
}

QString ranksToText(const RankComparison& ranks)
{
    QString text;
    QTextStream out(&text);
    out << "\nRanks of one job: peak " << formatBytes(ranks.ranks.first().peakBytes);
    for (int i = 1; i < ranks.ranks.size(); ++i)
        out << ", " << formatBytes(ranks.ranks[i].peakBytes);
    out << " (ranks " << ranks.ranks.first().rank << ".." << ranks.ranks.last().rank << "); skew "
        << formatBytes(ranks.skewBytes) << "\n";
    if (ranks.differences.isEmpty())
        out << "  every rank held the same kinds of memory at its peak\n";
    for (const QString& line : ranks.differences)
        out << "  " << line << "\n";
    return text;
}

QString comparisonToText(const RunComparison& comparison, int maxLayers)
{
    QString text;
    QTextStream out(&text);
    out << "Runs compared (differences against the first):\n";
    for (int i = 0; i < comparison.runs.size(); ++i)
        out << "  " << QChar(QLatin1Char('A' + std::min(i, 25))) << ": run " << comparison.runs[i].label << "\n";
    out << "\n" << QStringLiteral("%1").arg(QStringLiteral("metric"), -24);
    for (int i = 0; i < comparison.runs.size(); ++i)
        out << QStringLiteral(" %1").arg(QString(QChar(QLatin1Char('A' + std::min(i, 25)))), i == 0 ? 12 : 30);
    out << "\n";
    for (const MetricRow& row : comparison.metrics) {
        out << QStringLiteral("%1").arg(row.label, -24);
        for (int i = 0; i < row.values.size(); ++i) {
            QString cell = row.values[i] ? formatValue(row.unit, *row.values[i]) : QStringLiteral("-");
            if (i > 0) {
                const std::optional<double> difference = row.differenceFromFirst(i);
                if (difference)
                    cell += QStringLiteral(" ") + formatDifference(row.unit, *difference, *row.values.first());
            }
            out << QStringLiteral(" %1").arg(cell, i == 0 ? 12 : 30);
        }
        out << "\n";
    }
    if (comparison.ranks)
        out << ranksToText(*comparison.ranks);
    for (int i = 0; i < comparison.layerDifferences.size(); ++i) {
        const QVector<LayerDifference>& layers = comparison.layerDifferences[i];
        out << "\nLayers, " << QChar(QLatin1Char('A' + std::min(i + 1, 25)))
            << " minus A (own bytes, largest change first"
            << (layers.size() > maxLayers ? QStringLiteral(", %1 of %2").arg(maxLayers).arg(layers.size()) : QString())
            << "):\n";
        out << QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
                   .arg(QStringLiteral("layer"), -32)
                   .arg(QStringLiteral("type"), -16)
                   .arg(QStringLiteral("peak"), 12)
                   .arg(QStringLiteral("params"), 12)
                   .arg(QStringLiteral("activations"), 12)
                   .arg(QStringLiteral("allocated/it"), 12);
        if (layers.isEmpty())
            out << "  (no layer changed)\n";
        for (int row = 0; row < std::min<int>(maxLayers, layers.size()); ++row) {
            const LayerDifference& d = layers[row];
            const QString path = d.path
                + (!d.b.present        ? QStringLiteral(" (gone)")
                        : !d.a.present ? QStringLiteral(" (new)")
                                       : QString());
            out << QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
                       .arg(path.left(32), -32)
                       .arg(d.typeLabel().left(16), -16)
                       .arg(formatByteDelta(d.peakContributionDelta()), 12)
                       .arg(formatByteDelta(d.paramDelta()), 12)
                       .arg(formatByteDelta(d.activationDelta()), 12)
                       .arg(formatByteDelta(d.allocatedDelta()), 12);
        }
    }
    return text;
}

} // namespace memoscope
