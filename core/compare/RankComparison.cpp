#include "RankComparison.h"

#include "core/ByteFormat.h"

#include <QJsonArray>
#include <algorithm>
#include <functional>

namespace memoscope {

namespace {
    qint64 bucketBytesOf(const StoredRun& run)
    {
        for (const Layer& layer : run.trace.layers)
            if (layer.isDdpBuckets() && layer.id < run.layerStats.size())
                return run.layerStats[layer.id].peakContributionBytes;
        return 0;
    }

    // "optimizer state at the peak: 20.9 MiB (rank 1) to 22.5 MiB (rank 0)" when the ranks differ by more than
    // rounding; a kind every rank holds alike says nothing about the skew.
    QString spread(
        const QString& what, const QVector<RankRow>& ranks, const std::function<qint64(const RankRow&)>& value)
    {
        const auto [low, high] = std::minmax_element(
            ranks.begin(), ranks.end(), [&](const RankRow& a, const RankRow& b) { return value(a) < value(b); });
        if (value(*high) - value(*low) < std::max<qint64>(4096, value(*high) / 1000))
            return {};
        return QStringLiteral("%1: %2 (rank %3) to %4 (rank %5)")
            .arg(what, formatBytes(value(*low)))
            .arg(low->rank)
            .arg(formatBytes(value(*high)))
            .arg(high->rank);
    }
}

std::optional<RankComparison> compareRanks(const QVector<StoredRun>& runs)
{
    if (runs.size() < 2)
        return std::nullopt;
    RankComparison comparison;
    for (const StoredRun& run : runs) {
        const RunConfig& config = run.summary.config;
        if (config.rank < 0 || config.group.isEmpty() || config.group != runs.first().summary.config.group)
            return std::nullopt;
        comparison.ranks << RankRow { run.summary.id, config.rank, run.metrics.peakBytes, run.metrics.categoriesAtPeak,
            bucketBytesOf(run) };
    }
    std::sort(comparison.ranks.begin(), comparison.ranks.end(),
        [](const RankRow& a, const RankRow& b) { return a.rank < b.rank; });
    const auto [low, high] = std::minmax_element(comparison.ranks.begin(), comparison.ranks.end(),
        [](const RankRow& a, const RankRow& b) { return a.peakBytes < b.peakBytes; });
    comparison.skewBytes = high->peakBytes - low->peakBytes;
    for (Category category : allCategories()) {
        const QString line = spread(categoryLabel(category) + QStringLiteral(" at the peak"), comparison.ranks,
            [category](const RankRow& row) { return row.atPeak[int(category)]; });
        if (!line.isEmpty())
            comparison.differences << line;
    }
    const QString buckets = spread(QStringLiteral("DDP gradient buckets at the peak"), comparison.ranks,
        [](const RankRow& row) { return row.bucketBytes; });
    if (!buckets.isEmpty())
        comparison.differences << buckets;
    return comparison;
}

QJsonObject RankComparison::toJson() const
{
    QJsonArray rows;
    for (const RankRow& row : ranks) {
        QJsonObject categories;
        for (Category category : allCategories())
            categories[categoryName(category)] = double(row.atPeak[int(category)]);
        rows.append(QJsonObject { { QStringLiteral("rank"), row.rank }, { QStringLiteral("run_id"), double(row.runId) },
            { QStringLiteral("peak_bytes"), double(row.peakBytes) },
            { QStringLiteral("categories_at_peak"), categories },
            { QStringLiteral("ddp_bucket_bytes"), double(row.bucketBytes) } });
    }
    return QJsonObject { { QStringLiteral("ranks"), rows }, { QStringLiteral("skew_bytes"), double(skewBytes) },
        { QStringLiteral("differences"), QJsonArray::fromStringList(differences) } };
}

} // namespace memoscope
