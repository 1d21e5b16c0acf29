#pragma once
// What the advisor predicted for a plan that was then applied and profiled for real, stored with the run that
// measured it, so predicted and measured savings can be shown side by side and the advisor's error tracked.

#include <QJsonObject>
#include <QStringList>

namespace memoscope {

struct PredictionRecord {
    qint64 baselineRunId = -1;
    qint64 runId = -1; // the run that measured the plan
    QStringList plan; // the --apply steps, in order
    qint64 budgetBytes = 0; // 0 when no budget was asked for
    qint64 baselinePeakBytes = 0;
    qint64 predictedPeakBytes = 0;
    qint64 measuredPeakBytes = 0;

    qint64 predictedSavingBytes() const { return baselinePeakBytes - predictedPeakBytes; }
    qint64 measuredSavingBytes() const { return baselinePeakBytes - measuredPeakBytes; }
    // (predicted - measured) / measured saving: +0.1 means the advisor promised 10 % more than it delivered.
    double savingError() const;
    // (predicted - measured) / measured peak.
    double peakError() const;
    bool fits() const { return budgetBytes <= 0 || measuredPeakBytes <= budgetBytes; }

    QJsonObject toJson() const;
};

} // namespace memoscope
