#pragma once
// The advisor's answers as `memoscope-cli advise` prints them: text for people, JSON for scripts.

#include "BudgetSolver.h"
#include "Recommendation.h"

#include "core/PredictionRecord.h"

#include <QJsonArray>
#include <optional>

namespace memoscope {

QJsonArray recommendationsToJson(const Advice& advice);
QString adviceToText(const Advice& advice, const QString& modelName);
// `pipelinePlan`: the plan restricted to what `advise --apply` can carry out, when it differs.
QString budgetPlanToText(const BudgetPlan& plan, const std::optional<BudgetPlan>& pipelinePlan);
// After `advise --apply`: predicted against measured.
QString predictionToText(const PredictionRecord& record);

} // namespace memoscope
