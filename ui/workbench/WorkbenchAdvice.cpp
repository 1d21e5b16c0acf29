#include "WorkbenchAdvice.h"

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

} // namespace memoscope
