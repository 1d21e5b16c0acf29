#pragma once
// How a difference between two runs' figures reads, one rule for the app's comparison, its layer differences
// and the reports: a change too small to matter is neutral rather than a regression ("+72 KiB (0.0 %)"), and a
// timing difference inside the runs' own iteration-to-iteration spread is noise, not a speed-up.

#include "core/Run.h"

#include <QString>
#include <QVector>
#include <optional>

namespace memoscope {

// Below this share of the baseline a change is neither better nor worse.
inline constexpr double NeutralChangeFraction = 0.01;

enum class ChangeVerdict {
    Unchanged,
    Neutral, // below NeutralChangeFraction of the baseline
    WithinNoise, // smaller than the runs' spread
    Improvement,
    Regression,
};

// noise: the spread the difference must exceed to count (0: none known). neutralBand: the change below which it
// is neutral; by default NeutralChangeFraction of the base. Shares (accuracy, 0..1) give their own: a point of
// accuracy lost matters although it is about 1 % of the figure.
ChangeVerdict judgeChange(double base, double value, bool lowerIsBetter, double noise = 0, double neutralBand = -1);
inline constexpr double NeutralShareChange = 0.001; // a tenth of a percentage point

// A run's wall time per measured iteration, as the store keeps it.
struct IterationSpread {
    double minMs = 0;
    double medianMs = 0;
    double maxMs = 0;
    double widthMs() const { return maxMs - minMs; }
};
std::optional<IterationSpread> iterationSpread(const RunMetrics& metrics); // none without iteration times

// The noise two runs' iteration times carry: the wider of their spreads (max − min over their iterations).
double iterationNoiseMs(const RunMetrics& a, const RunMetrics& b);

// "Runs #2 and #4 were measured 12 min apart: …" when some runs' measurements did not overlap in time (more than
// a minute between one's end and the next one's start); empty when they were all measured together.
QString measuredApartNote(const QVector<RunSummary>& runs);

} // namespace memoscope
