#pragma once
// What a report is made of: one or more runs (the first is the baseline every later run is compared with) and,
// when the advisor has any, its recommendations.

#include "core/advisor/MeasuredAccuracy.h"
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

// One row of the report's Advice section: a recommendation of core/advisor for one of the report's runs.
struct ReportRecommendation {
    QString technique; // in the user's words, e.g. "int8 dynamic quantization"
    QString settings; // what to type: "int8-dynamic", "--optimizer sgd"
    qint64 predictedSavingBytes = 0;
    QString risk; // "low: ..."
    QString reason; // one line, taken from the profile
    qint64 runId = -1; // the run it is about; -1 for the report's first run
};

struct ReportInput {
    QVector<ReportRun> runs;
    QVector<ReportRecommendation> recommendations;

    // Adds a run loaded with its events, and the advisor's best memory-saving recommendations for it, with the
    // accuracies earlier optimizations of its model measured (measuredAccuracies()).
    void addRun(StoredRun run, const QVector<MeasuredAccuracy>& measured = {});
};

} // namespace memoscope
