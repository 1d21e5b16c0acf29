#include "ReportInput.h"

#include "core/advisor/Advisor.h"

namespace memoscope {

namespace {
    constexpr int recommendationsPerRun = 5;
}

void ReportInput::addRun(StoredRun run, const QVector<MeasuredAccuracy>& measured)
{
    // The advisor replays the run's events, so it goes first: makeReportRun moves them into the timeline.
    if (run.summary.status == RunStatus::Complete && !run.trace.events.empty()) {
        int added = 0;
        for (const Recommendation& r : Advisor(run, measured).advice().recommendations) {
            if (added == recommendationsPerRun)
                break;
            if (r.predictedSavingBytes <= 0)
                continue; // distillation, unstructured pruning: worth knowing, but this table is about memory
            recommendations << ReportRecommendation { r.technique, r.settings, r.predictedSavingBytes, r.risk.text,
                r.reason, run.summary.id };
            ++added;
        }
    }
    runs << makeReportRun(std::move(run));
}

ReportRun makeReportRun(StoredRun run)
{
    ReportRun result;
    if (run.trace.events.empty() && run.trace.opSpans.empty()) {
        result.run = std::move(run);
        return result;
    }
    // The events move into the timeline; the run keeps its layers, ops and phases (small) for the tables.
    auto trace = std::make_shared<RunTrace>(std::move(run.trace));
    run.trace.layers = trace->layers;
    run.trace.ops = trace->ops;
    run.trace.phases = trace->phases;
    result.run = std::move(run);
    result.timeline = std::make_shared<const Timeline>(std::move(trace));
    return result;
}

} // namespace memoscope
