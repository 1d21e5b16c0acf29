#pragma once
// Reads the run store off the GUI thread: the list of runs, one run with its events and timeline, or several
// runs for a comparison. Each request gets a generation; a result that arrives after a newer request of the
// same kind is dropped, so a slow load never overwrites what the user asked for since.

#include "core/Store.h"
#include "core/Timeline.h"

#include <QObject>
#include <QVector>
#include <memory>

namespace memoscope {

// A run ready to show: everything stored, and its timeline built. Immutable once made. The events and op
// spans live in the timeline's trace (timeline->trace()); run.trace keeps the layers, ops and phases.
struct LoadedRun {
    StoredRun run;
    std::shared_ptr<const Timeline> timeline;
};
using LoadedRunPtr = std::shared_ptr<const LoadedRun>;

class RunLoader : public QObject {
    Q_OBJECT
public:
    explicit RunLoader(QString databasePath, QObject* parent = nullptr);

    QString databasePath() const { return m_databasePath; }
    void setDatabasePath(const QString& path);

    void listRuns();
    void loadRun(qint64 runId);
    void loadRuns(const QVector<qint64>& runIds); // for a comparison
    void renameRun(qint64 runId, const QString& name); // then lists again
    void deleteRun(qint64 runId); // then lists again
    void findLatestRun(const QString& modelPath); // answers with latestRunFound
    bool isBusy() const { return m_busy > 0; }

    static LoadedRunPtr load(const QString& databasePath, qint64 runId); // synchronous, for any thread

Q_SIGNALS:
    void runsListed(const QVector<memoscope::RunSummary>& runs);
    void runLoaded(const memoscope::LoadedRunPtr& run);
    void runsLoaded(const QVector<memoscope::LoadedRunPtr>& runs);
    void latestRunFound(const QString& modelPath, qint64 runId, const memoscope::RunConfig& config); // -1 if none
    void failed(const QString& message);
    void busyChanged(bool busy);

private:
    template<typename Result, typename Work, typename Deliver>
    void runInBackground(int* generation, Work work, Deliver deliver);

    QString m_databasePath;
    int m_listGeneration = 0;
    int m_loadGeneration = 0;
    int m_compareGeneration = 0;
    int m_latestGeneration = 0;
    int m_busy = 0;
};

} // namespace memoscope

Q_DECLARE_METATYPE(memoscope::LoadedRunPtr)
