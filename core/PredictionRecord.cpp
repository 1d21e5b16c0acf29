#include "PredictionRecord.h"

#include <QJsonArray>
#include <cmath>
#include <limits>

namespace memoscope {

double PredictionRecord::savingError() const
{
    const qint64 measured = measuredSavingBytes();
    if (measured == 0)
        return predictedSavingBytes() == 0 ? 0 : std::numeric_limits<double>::quiet_NaN();
    return double(predictedSavingBytes() - measured) / double(std::llabs(measured));
}

double PredictionRecord::peakError() const
{
    return measuredPeakBytes > 0 ? double(predictedPeakBytes - measuredPeakBytes) / double(measuredPeakBytes) : 0;
}

QJsonObject PredictionRecord::toJson() const
{
    auto number = [](double value) { return std::isfinite(value) ? QJsonValue(value) : QJsonValue(); };
    QJsonObject json;
    json[QStringLiteral("baseline_run_id")] = double(baselineRunId);
    json[QStringLiteral("run_id")] = double(runId);
    json[QStringLiteral("plan")] = QJsonArray::fromStringList(plan);
    json[QStringLiteral("budget_bytes")] = budgetBytes > 0 ? QJsonValue(double(budgetBytes)) : QJsonValue();
    json[QStringLiteral("baseline_peak_bytes")] = double(baselinePeakBytes);
    json[QStringLiteral("predicted_peak_bytes")] = double(predictedPeakBytes);
    json[QStringLiteral("measured_peak_bytes")] = double(measuredPeakBytes);
    json[QStringLiteral("predicted_saving_bytes")] = double(predictedSavingBytes());
    json[QStringLiteral("measured_saving_bytes")] = double(measuredSavingBytes());
    json[QStringLiteral("saving_error")] = number(savingError());
    json[QStringLiteral("peak_error")] = number(peakError());
    json[QStringLiteral("fits")] = budgetBytes > 0 ? QJsonValue(fits()) : QJsonValue();
    return json;
}

} // namespace memoscope
