#include "BudgetSolver.h"

#include <QJsonArray>
#include <tuple>

namespace memoscope {

namespace {
    // Every lever's settings to try; the first of each is "leave it".
    struct Choices {
        QVector<double> pruneRatios { 0 };
        QVector<Precision> precisions { Precision::Float32 };
        QVector<bool> sgd { false };
        QVector<int> batches { 0 };
        QVector<QStringList> checkpoints { QStringList() };
        QVector<bool> stream { false };
    };

    Choices choicesFor(const Advisor& advisor, PlanScope scope)
    {
        Choices c;
        const RunConfig& config = advisor.config();
        const bool training = config.mode == RunMode::Train;
        c.pruneRatios << 0.25 << 0.5 << 0.75;
        c.precisions << Precision::Bf16;
        if (!training)
            c.precisions << Precision::Fp16 << Precision::Int8Dynamic << Precision::Int8Static
                         << Precision::Int8WeightOnly;
        if (scope == PlanScope::OptimizePipeline)
            return c;
        if (training && config.optimizer == OptimizerKind::Adam)
            c.sgd << true;
        for (int batch = advisor.simulator().batchSize() / 2; batch >= 1; batch /= 2)
            c.batches << batch;
        const QStringList candidates = advisor.checkpointCandidates();
        if (training && !candidates.isEmpty())
            c.checkpoints << candidates;
        if (advisor.simulator().largestInputLive() > advisor.simulator().batchInputBytes())
            c.stream << true;
        return c;
    }

    // Among plans that fit: the workload kept as it is, then the least expected accuracy loss, the least extra
    // compute, the lowest peak. While nothing fits, only how close a plan comes counts.
    auto rankKey(const BudgetPlan& p)
    {
        if (!p.fits)
            return std::make_tuple(true, false, 0.0, 0.0, p.missBytes);
        return std::make_tuple(
            false, p.risk.changesWorkload, p.risk.expectedAccuracyLoss, p.risk.extraCompute, p.predictedPeakBytes);
    }
}

BudgetPlan solveBudget(const Advisor& advisor, qint64 budgetBytes, PlanScope scope)
{
    const Choices c = choicesFor(advisor, scope);
    BudgetPlan best;
    bool any = false;
    int tried = 0;
    auto consider = [&](const Plan& plan) {
        BudgetPlan candidate;
        candidate.budgetBytes = budgetBytes;
        candidate.measuredPeakBytes = advisor.measuredPeakBytes();
        candidate.plan = plan;
        candidate.predictedPeakBytes
            = plan.isEmpty() ? advisor.measuredPeakBytes() : advisor.simulator().predict(plan).peakBytes;
        candidate.fits = candidate.predictedPeakBytes <= budgetBytes;
        candidate.missBytes = candidate.fits ? 0 : candidate.predictedPeakBytes - budgetBytes;
        candidate.risk = advisor.riskOf(plan);
        ++tried;
        if (!any || rankKey(candidate) < rankKey(best)) {
            best = candidate;
            any = true;
        }
    };
    for (double ratio : c.pruneRatios)
        for (Precision precision : c.precisions)
            for (bool sgd : c.sgd)
                for (int batch : c.batches)
                    for (const QStringList& checkpoint : c.checkpoints)
                        for (bool stream : c.stream) {
                            Plan plan;
                            plan.pruneRatio = ratio;
                            plan.precision = precision;
                            plan.switchToSgd = sgd;
                            plan.batchSize = batch;
                            plan.checkpointLayers = checkpoint;
                            plan.streamData = stream;
                            consider(plan);
                        }
    best.plansTried = tried;
    best.description = best.plan.describe(advisor.config());
    best.applySteps = best.plan.applySteps();
    best.runOptions = best.plan.runOptions(advisor.config());
    return best;
}

QJsonObject BudgetPlan::toJson() const
{
    QJsonObject json;
    json[QStringLiteral("budget_bytes")] = double(budgetBytes);
    json[QStringLiteral("measured_peak_bytes")] = double(measuredPeakBytes);
    json[QStringLiteral("plan")] = description;
    json[QStringLiteral("apply")] = QJsonArray::fromStringList(applySteps);
    json[QStringLiteral("run_options")] = QJsonArray::fromStringList(runOptions);
    json[QStringLiteral("predicted_peak_bytes")] = double(predictedPeakBytes);
    json[QStringLiteral("predicted_saving_bytes")] = double(measuredPeakBytes - predictedPeakBytes);
    json[QStringLiteral("fits")] = fits;
    json[QStringLiteral("miss_bytes")] = double(missBytes);
    json[QStringLiteral("risk")] = riskLevelName(risk.level);
    json[QStringLiteral("risk_text")] = risk.text;
    json[QStringLiteral("expected_accuracy_loss")] = risk.expectedAccuracyLoss;
    json[QStringLiteral("plans_tried")] = plansTried;
    return json;
}

} // namespace memoscope
