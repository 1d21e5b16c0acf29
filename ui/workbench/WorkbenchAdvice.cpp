#include "WorkbenchAdvice.h"

#include "core/ByteFormat.h"

namespace memoscope {

WorkbenchAdvice::WorkbenchAdvice(const LoadedRun& loaded, const QString& databasePath)
    : m_run(loaded.run)
{
    if (loaded.timeline)
        m_run.trace = loaded.timeline->trace();
    QVector<MeasuredAccuracy> measured;
    if (!databasePath.isEmpty()) {
        try {
            Store store(databasePath);
            measured = measuredAccuracies(store, m_run);
        } catch (const StoreError&) {
            // Without the history the advisor gives its priors.
        }
    }
    m_advisor = std::make_unique<Advisor>(m_run, std::move(measured));
    m_advice = m_advisor->advice();
}

std::optional<qint64> WorkbenchAdvice::predictedPeakBytes(const WorkbenchSettings& settings) const
{
    const std::optional<Plan> plan = settings.plan();
    if (!plan)
        return std::nullopt;
    return m_advisor->simulator().predict(*plan).peakBytes;
}

QString outcomeText(qint64 peakBefore, qint64 peakAfter, std::optional<qint64> predictedSaving)
{
    const auto shareOfPeak = [peakBefore](qint64 bytes) {
        return QString::number(peakBefore > 0 ? 100.0 * double(bytes) / double(peakBefore) : 0.0, 'f', 1);
    };
    const qint64 saved = peakBefore - peakAfter;
    QString text = QStringLiteral("peak %1 → %2, measured saving %3 (%4 %)")
                       .arg(formatBytes(peakBefore), formatBytes(peakAfter), formatBytes(saved), shareOfPeak(saved));
    if (predictedSaving) {
        text += QStringLiteral("; predicted %1 (%2 %)").arg(formatBytes(*predictedSaving), shareOfPeak(*predictedSaving));
        if (saved != 0)
            text += QStringLiteral("; the prediction was %1 % off")
                        .arg(100.0 * double(std::llabs(*predictedSaving - saved)) / double(std::llabs(saved)), 0, 'f', 1);
    }
    return text + QLatin1Char('.');
}

} // namespace memoscope
