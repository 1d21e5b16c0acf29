#include "Recommendation.h"

namespace memoscope {

QJsonObject Recommendation::toJson() const
{
    QJsonObject json;
    json[QStringLiteral("technique")] = technique;
    json[QStringLiteral("settings")] = settings;
    json[QStringLiteral("predicted_saving_bytes")] = double(predictedSavingBytes);
    json[QStringLiteral("predicted_saving_percent")] = predictedSavingFraction * 100;
    json[QStringLiteral("predicted_peak_bytes")] = double(predictedPeakBytes);
    json[QStringLiteral("risk")] = riskLevelName(risk.level);
    json[QStringLiteral("risk_text")] = risk.text;
    json[QStringLiteral("expected_accuracy_loss")] = risk.expectedAccuracyLoss;
    json[QStringLiteral("extra_compute")] = risk.extraCompute;
    json[QStringLiteral("reason")] = reason;
    json[QStringLiteral("applied_by_optimize")] = appliedByOptimize;
    return json;
}

} // namespace memoscope
