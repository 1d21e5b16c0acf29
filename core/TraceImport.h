#pragma once
// Runs recorded inside a user's own Python process by memoscope_record (or written by another tool in the same
// format, README "The trace format"), read once here into the run types every other part of Memoscope uses.
// A trace holds one process (one rank of a distributed job); each device it allocated on becomes its own run,
// since each device's memory has its own peak.

#include "Run.h"
#include "RunConfig.h"
#include "RunTrace.h"

#include <QString>
#include <QVector>

namespace memoscope {

class Store;

// One device of one trace file, as it will be stored.
struct RecordedRun {
    QString tracePath; // absolute
    RunConfig config; // source RunConfig::recordedSource(), model path the trace file
    RunMetrics metrics; // what the trace says (threads, versions, iteration times); analysis is applied on storing
    RunTrace trace;
    RunStatus status = RunStatus::Complete; // Failed: the program raised, or the recording was cut short
    QString error;
};

struct TraceReading {
    QVector<RecordedRun> runs; // empty when the file cannot be imported
    QString error; // why, in one line that names the file and what to do
};

// Reads a trace. A file that is not a trace, is damaged, or comes from a newer recorder gives an error and no
// runs. A recording cut short (no end record: the process was killed) gives runs marked Failed that hold what
// was written, or an error when nothing was.
TraceReading readTrace(const QString& path);

// Checks that several traces are the ranks of one job (distinct ranks, one world size). Empty when they are.
QString groupProblem(const QVector<RecordedRun>& runs);

// Stores the runs (one group when there are several) and returns their ids, in order. Throws StoreError.
QVector<qint64> storeRecordedRuns(Store& store, QVector<RecordedRun> runs, const QString& name);

} // namespace memoscope
