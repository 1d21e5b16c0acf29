#include "RunLoader.h"

#include <QFutureWatcher>
#include <QtConcurrent>
#include <optional>
#include <variant>

namespace memoscope {

namespace {
    // What a background task hands back: its value or the error message.
    template<typename T>
    using Outcome = std::variant<T, QString>;

    template<typename T, typename Work>
    Outcome<T> attempt(Work work)
    {
        try {
            return work();
        } catch (const StoreError& error) {
            return error.message();
        } catch (const std::exception& error) {
            return QString::fromUtf8(error.what());
        }
    }
}

RunLoader::RunLoader(QString databasePath, QObject* parent)
    : QObject(parent)
    , m_databasePath(std::move(databasePath))
{
    qRegisterMetaType<LoadedRunPtr>();
}

void RunLoader::setDatabasePath(const QString& path)
{
    m_databasePath = path;
    ++m_loadGeneration;
    ++m_compareGeneration;
    listRuns();
}

LoadedRunPtr RunLoader::load(const QString& databasePath, qint64 runId)
{
    Store store(databasePath);
    std::optional<StoredRun> stored = store.load(runId, /*withEvents=*/true);
    if (!stored)
        throw StoreError(QStringLiteral("run %1 is no longer in the database").arg(runId));
    // The events move into the timeline; the run keeps its layers, ops and phases (small) for the views.
    auto trace = std::make_shared<RunTrace>(std::move(stored->trace));
    stored->trace.layers = trace->layers;
    stored->trace.ops = trace->ops;
    stored->trace.phases = trace->phases;
    auto loaded = std::make_shared<LoadedRun>();
    loaded->run = std::move(*stored);
    loaded->timeline = std::make_shared<const Timeline>(std::move(trace));
    return loaded;
}

template<typename Result, typename Work, typename Deliver>
void RunLoader::runInBackground(int* generation, Work work, Deliver deliver)
{
    const int mine = ++*generation;
    if (m_busy++ == 0)
        Q_EMIT busyChanged(true);
    auto* watcher = new QFutureWatcher<Outcome<Result>>(this);
    connect(watcher, &QFutureWatcher<Outcome<Result>>::finished, this, [this, watcher, generation, mine, deliver] {
        watcher->deleteLater();
        if (--m_busy == 0)
            Q_EMIT busyChanged(false);
        if (mine != *generation)
            return; // a newer request of the same kind has been made
        const Outcome<Result> outcome = watcher->result();
        if (const QString* error = std::get_if<QString>(&outcome))
            Q_EMIT failed(*error);
        else
            deliver(std::get<Result>(outcome));
    });
    watcher->setFuture(QtConcurrent::run([work] { return attempt<Result>(work); }));
}

void RunLoader::listRuns()
{
    const QString path = m_databasePath;
    runInBackground<QVector<RunSummary>>(
        &m_listGeneration, [path] { return Store(path).runs(); },
        [this](const QVector<RunSummary>& runs) { Q_EMIT runsListed(runs); });
}

void RunLoader::loadRun(qint64 runId)
{
    const QString path = m_databasePath;
    runInBackground<LoadedRunPtr>(
        &m_loadGeneration, [path, runId] { return load(path, runId); },
        [this](const LoadedRunPtr& run) { Q_EMIT runLoaded(run); });
}

void RunLoader::loadRuns(const QVector<qint64>& runIds)
{
    const QString path = m_databasePath;
    runInBackground<QVector<LoadedRunPtr>>(
        &m_compareGeneration,
        [path, runIds] {
            QVector<LoadedRunPtr> runs;
            for (qint64 runId : runIds)
                runs << load(path, runId);
            return runs;
        },
        [this](const QVector<LoadedRunPtr>& runs) { Q_EMIT runsLoaded(runs); });
}

void RunLoader::renameRun(qint64 runId, const QString& name)
{
    const QString path = m_databasePath;
    runInBackground<QVector<RunSummary>>(
        &m_listGeneration,
        [path, runId, name] {
            Store store(path);
            store.renameRun(runId, name);
            return store.runs();
        },
        [this](const QVector<RunSummary>& runs) { Q_EMIT runsListed(runs); });
}

void RunLoader::deleteRun(qint64 runId)
{
    const QString path = m_databasePath;
    runInBackground<QVector<RunSummary>>(
        &m_listGeneration,
        [path, runId] {
            Store store(path);
            store.deleteRun(runId);
            return store.runs();
        },
        [this](const QVector<RunSummary>& runs) { Q_EMIT runsListed(runs); });
}

void RunLoader::findLatestRun(const QString& modelPath)
{
    const QString path = m_databasePath;
    using Found = std::pair<qint64, RunConfig>;
    runInBackground<Found>(
        &m_latestGeneration,
        [path, modelPath] {
            Store store(path);
            const std::optional<qint64> runId = store.latestRunOfModel(modelPath);
            if (!runId)
                return Found { -1, RunConfig {} };
            return Found { *runId, store.run(*runId)->config };
        },
        [this, modelPath](const Found& found) { Q_EMIT latestRunFound(modelPath, found.first, found.second); });
}

} // namespace memoscope
