#pragma once
// The budget solver: of every valid combination of levers, the one with the least expected accuracy loss whose
// predicted peak fits the budget; when none fits, the one that comes closest and by how much it misses. Each
// combination's peak comes from replaying the run with all its changes at once, so savings compound rather
// than add up. A smaller batch changes the user's workload, not the model, so it is chosen only when nothing
// else fits.

#include "Advisor.h"

#include <QJsonObject>

namespace memoscope {

enum class PlanScope {
    EveryLever, // what the user could do, including run options the optimize pipeline cannot apply
    OptimizePipeline, // only --apply steps: what `advise --apply` carries out today
};

struct BudgetPlan {
    qint64 budgetBytes = 0;
    qint64 measuredPeakBytes = 0; // the run the plan starts from
    Plan plan;
    qint64 predictedPeakBytes = 0;
    bool fits = false;
    qint64 missBytes = 0; // predicted peak above the budget when nothing fits
    Risk risk;
    QString description; // "prune-structured=0.25 + bf16"
    QStringList applySteps;
    QStringList runOptions;
    int plansTried = 0;

    QJsonObject toJson() const;
};

BudgetPlan solveBudget(const Advisor& advisor, qint64 budgetBytes, PlanScope scope);

} // namespace memoscope
