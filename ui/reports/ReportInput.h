#pragma once
// What a report is made of: one or more runs (the first is the baseline every later run is compared with) and,
// when the advisor has any, its recommendations.

#include "core/Store.h"
#include "core/Timeline.h"

#include <QVector>
#include <memory>

namespace memoscope {

struct ReportRun {
    StoredRun run; // layers, ops and phases; the events live in the timeline's trace
    std::shared_ptr<const Timeline> timeline; // nullptr for a run without events (--no-trace)
};

// Moves a stored run's events into its timeline, as the desktop app's RunLoader does.
ReportRun makeReportRun(StoredRun run);

// One row of the report's Advice section, filled in by the advisor. A placeholder API until it lands: a
// report with no recommendations has no Advice section at all.
struct ReportRecommendation {
    QString technique; // in the CLI's words, e.g. "int8-dynamic"
    qint64 predictedSavingBytes = 0;
    QString reason; // one line, taken from the profile
    qint64 runId = -1; // the run it is about; -1 for the report's first run
};

struct ReportInput {
    QVector<ReportRun> runs;
    QVector<ReportRecommendation> recommendations;
};

} // namespace memoscope
