#include "AdviceReport.h"

#include "Advisor.h"

#include "core/ByteFormat.h"

#include <QTextStream>
#include <cmath>

namespace memoscope {

QJsonArray recommendationsToJson(const Advice& advice)
{
    QJsonArray list;
    for (const Recommendation& r : advice.recommendations)
        list.append(r.toJson());
    return list;
}

QString adviceToText(const Advice& advice, const QString& modelName)
{
    QString text;
    QTextStream out(&text);
    out << "Run " << advice.runId << "  " << modelName << "  " << modeName(advice.mode) << ", peak "
        << formatBytes(advice.measuredPeakBytes) << "\n";
    out << "Recommendations, " << recommendationOrder() << "; savings predicted by replaying the run's "
        << "allocations:\n";
    out << QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
               .arg(QStringLiteral("#"), 2)
               .arg(QStringLiteral("technique"), -27)
               .arg(QStringLiteral("settings"), -24)
               .arg(QStringLiteral("saving"), 19)
               .arg(QStringLiteral("peak"), 10)
               .arg(QStringLiteral("risk"));
    int rank = 0;
    for (const Recommendation& r : advice.recommendations) {
        const QString saving = QStringLiteral("%1 (%2 %)")
                                   .arg(formatBytes(r.predictedSavingBytes))
                                   .arg(r.predictedSavingFraction * 100, 0, 'f', 0);
        out << QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
                   .arg(++rank, 2)
                   .arg(r.technique, -27)
                   .arg(r.settings.size() > 24 ? r.settings.left(21) + QStringLiteral("...") : r.settings, -24)
                   .arg(saving, 19)
                   .arg(formatBytes(r.predictedPeakBytes), 10)
                   .arg(riskLevelLabel(r.risk.level));
        out << "     " << r.reason << "\n";
        out << "     " << r.risk.text
            << (r.appliedByOptimize ? QString() : QStringLiteral(" [not an --apply step]")) << "\n";
        if (r.settings.size() > 24)
            out << "     settings: " << r.settings << "\n";
    }
    for (const QString& note : advice.notes)
        out << "Note: " << note << "\n";
    return text;
}

namespace {
    void planLines(QTextStream& out, const BudgetPlan& p)
    {
        out << "  plan: " << p.description << "\n";
        out << "  predicted peak " << formatBytes(p.predictedPeakBytes) << " (from " << formatBytes(p.measuredPeakBytes)
            << ", saving " << formatBytes(p.measuredPeakBytes - p.predictedPeakBytes) << "): ";
        if (p.fits)
            out << "fits, " << formatBytes(p.budgetBytes - p.predictedPeakBytes) << " to spare\n";
        else
            out << "does not fit, misses by " << formatBytes(p.missBytes) << " (the closest of " << p.plansTried
                << " plans)\n";
        out << "  " << p.risk.text << "\n";
    }
}

QString budgetPlanToText(const BudgetPlan& plan, const std::optional<BudgetPlan>& pipelinePlan)
{
    QString text;
    QTextStream out(&text);
    out << "Budget " << formatBytes(plan.budgetBytes) << " (" << plan.budgetBytes << " bytes), least expected "
        << "accuracy loss among " << plan.plansTried << " plans:\n";
    planLines(out, plan);
    if (pipelinePlan) {
        out << "With --apply steps only (" << plan.runOptions.join(QStringLiteral(", "))
            << " are run options `optimize` cannot apply yet):\n";
        planLines(out, *pipelinePlan);
    }
    return text;
}

QString predictionToText(const PredictionRecord& record)
{
    QString text;
    QTextStream out(&text);
    out << "Applied " << record.plan.join(QStringLiteral(", then ")) << ": run " << record.runId << " (baseline run "
        << record.baselineRunId << ")\n";
    out << "  peak: predicted " << formatBytes(record.predictedPeakBytes) << ", measured "
        << formatBytes(record.measuredPeakBytes) << " (baseline " << formatBytes(record.baselinePeakBytes) << ")\n";
    out << "  saving: predicted " << formatBytes(record.predictedSavingBytes()) << ", measured "
        << formatBytes(record.measuredSavingBytes());
    if (std::isfinite(record.savingError()))
        out << QStringLiteral(" (prediction %1%2 %)")
                   .arg(record.savingError() >= 0 ? QStringLiteral("+") : QString())
                   .arg(record.savingError() * 100, 0, 'f', 1);
    out << "\n";
    if (record.budgetBytes > 0) {
        if (record.fits())
            out << "  fits: yes, " << formatBytes(record.budgetBytes - record.measuredPeakBytes)
                << " under the budget of " << formatBytes(record.budgetBytes) << "\n";
        else
            out << "  fits: no, misses the budget of " << formatBytes(record.budgetBytes) << " by "
                << formatBytes(record.measuredPeakBytes - record.budgetBytes) << "\n";
    }
    return text;
}

} // namespace memoscope
