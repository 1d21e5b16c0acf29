#pragma once
// The advisor for the run the workbench works on: its recommendations, and the peak it predicts for the
// panel's settings, from a replay of the run's own events (core/advisor). Built off the GUI thread: the advisor
// replays the run once per lever.

#include "WorkbenchSettings.h"
#include "core/advisor/Advisor.h"
#include "ui/jobs/RunLoader.h"

#include <memory>
#include <optional>

namespace memoscope {

class WorkbenchAdvice {
public:
    // Copies the loaded run's events back into a StoredRun, which the advisor reads. Slow for large runs. The
    // database at `databasePath` gives the accuracies earlier optimizations of the same model measured.
    WorkbenchAdvice(const LoadedRun& loaded, const QString& databasePath);

    const Advice& advice() const { return m_advice; }
    qint64 measuredPeakBytes() const { return m_advisor->measuredPeakBytes(); }
    // The peak the settings are predicted to leave, or nothing when they hold a lever the replay cannot model
    // (int8 and float16 together: the pipeline applies one precision).
    std::optional<qint64> predictedPeakBytes(const WorkbenchSettings& settings) const;

private:
    StoredRun m_run; // with its events; the advisor keeps a reference to it
    std::unique_ptr<Advisor> m_advisor;
    Advice m_advice;
};

// What an Apply measured against what the advisor predicted for it: "peak 118 MiB → 61.6 MiB, measured saving
// 56.9 MiB (48.0 %); predicted 58.7 MiB (49.5 %); the prediction was 3.1 % off." Both savings are shares of
// the peak before; "off" is the predicted saving's error relative to the measured one.
QString outcomeText(qint64 peakBefore, qint64 peakAfter, std::optional<qint64> predictedSaving);

} // namespace memoscope
