#include "ChangeVerdict.h"

#include <algorithm>
#include <cmath>

namespace memoscope {

ChangeVerdict judgeChange(double base, double value, bool lowerIsBetter, double noise, double neutralBand)
{
    const double difference = value - base;
    if (difference == 0)
        return ChangeVerdict::Unchanged;
    if (std::abs(difference) < (neutralBand >= 0 ? neutralBand : NeutralChangeFraction * std::abs(base)))
        return ChangeVerdict::Neutral;
    if (noise > 0 && std::abs(difference) < noise)
        return ChangeVerdict::WithinNoise;
    const bool better = lowerIsBetter ? difference < 0 : difference > 0;
    return better ? ChangeVerdict::Improvement : ChangeVerdict::Regression;
}

std::optional<IterationSpread> iterationSpread(const RunMetrics& metrics)
{
    if (metrics.iterationMs.isEmpty())
        return std::nullopt;
    const auto [min, max] = std::minmax_element(metrics.iterationMs.begin(), metrics.iterationMs.end());
    return IterationSpread { *min, median(metrics.iterationMs), *max };
}

double iterationNoiseMs(const RunMetrics& a, const RunMetrics& b)
{
    const std::optional<IterationSpread> sa = iterationSpread(a);
    const std::optional<IterationSpread> sb = iterationSpread(b);
    return std::max(sa ? sa->widthMs() : 0.0, sb ? sb->widthMs() : 0.0);
}

namespace {
    QString duration(qint64 seconds)
    {
        if (seconds < 3600)
            return QStringLiteral("%1 min").arg(std::max<qint64>(1, seconds / 60));
        if (seconds < 2 * 86400)
            return QStringLiteral("%1 h").arg(seconds / 3600);
        return QStringLiteral("%1 days").arg(seconds / 86400);
    }
}

QString measuredApartNote(const QVector<RunSummary>& runs)
{
    // A run measured in the same session as the first (an optimization measures its original beside it) shares
    // the machine's load; one measured later may not.
    constexpr qint64 TogetherSeconds = 60;
    qint64 widest = 0;
    qint64 first = -1;
    qint64 other = -1;
    for (int i = 0; i < runs.size(); ++i)
        for (int j = i + 1; j < runs.size(); ++j) {
            const RunSummary& a = runs[i].createdAt <= runs[j].createdAt ? runs[i] : runs[j];
            const RunSummary& b = runs[i].createdAt <= runs[j].createdAt ? runs[j] : runs[i];
            if (!a.createdAt.isValid() || !b.createdAt.isValid())
                continue;
            const QDateTime end = a.finishedAt.isValid() ? a.finishedAt : a.createdAt;
            const qint64 gap = end.secsTo(b.createdAt);
            if (gap > TogetherSeconds && gap > widest) {
                widest = gap;
                first = a.id;
                other = b.id;
            }
        }
    if (first < 0)
        return {};
    return QStringLiteral("Runs #%1 and #%2 were measured %3 apart: the machine's load may have differed, so their "
                          "times compare less well than their memory.")
        .arg(first)
        .arg(other)
        .arg(duration(widest));
}

} // namespace memoscope
