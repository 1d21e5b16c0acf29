#include "ReportInput.h"

namespace memoscope {

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
