// Storing recorded runs: each becomes an ordinary run (source "recorded in process"), analysed as the engine's
// runs are; the ranks of one distributed job share a group.

#include "TraceImport.h"

#include "Analysis.h"
#include "FileHash.h"
#include "Store.h"

#include <QFileInfo>
#include <QSet>
#include <QUuid>

namespace memoscope {

namespace {
    QString fileName(const RecordedRun& run) { return QFileInfo(run.tracePath).fileName(); }

    ModelInfo modelOf(const RecordedRun& run)
    {
        // The trace file stands for the model: importing the same file again finds the same model row.
        ModelInfo model;
        model.path = run.tracePath;
        model.sha256 = sha256OfFile(run.tracePath);
        model.fileBytes = QFileInfo(run.tracePath).size();
        for (const Layer& layer : run.trace.layers) {
            model.paramCount += layer.paramCount;
            model.paramBytes += layer.paramBytes;
        }
        return model;
    }
}

QString groupProblem(const QVector<RecordedRun>& runs)
{
    QSet<QString> files;
    for (const RecordedRun& run : runs)
        files.insert(run.tracePath);
    if (files.size() < 2)
        return {};
    QHash<QString, QString> fileOfRank;
    for (const RecordedRun& run : runs) {
        const RunConfig& config = run.config;
        if (config.rank < 0)
            return QStringLiteral("%1 is not a rank of a distributed job: only the ranks of one job are imported "
                                  "together; import it on its own")
                .arg(fileName(run));
        const RunConfig& first = runs.first().config;
        if (config.worldSize != first.worldSize
            || (config.group != first.group && !config.group.isEmpty() && !first.group.isEmpty()))
            return QStringLiteral("%1 and %2 come from different jobs; import the ranks of one job together")
                .arg(fileName(runs.first()), fileName(run));
        const QString key = QStringLiteral("%1/%2").arg(config.rank).arg(config.device);
        if (fileOfRank.contains(key) && fileOfRank[key] != run.tracePath)
            return QStringLiteral("%1 and %2 are both rank %3; import the ranks of one job together")
                .arg(QFileInfo(fileOfRank[key]).fileName(), fileName(run))
                .arg(config.rank);
        fileOfRank.insert(key, run.tracePath);
    }
    return {};
}

QVector<qint64> storeRecordedRuns(Store& store, QVector<RecordedRun> runs, const QString& name)
{
    const bool grouped = runs.size() > 1;
    const QString group = grouped ? QUuid::createUuid().toString(QUuid::WithoutBraces) : QString();
    QVector<qint64> ids;
    for (RecordedRun& run : runs) {
        RunConfig& config = run.config;
        if (!name.isEmpty())
            config.name = name;
        if (grouped) {
            config.group = group;
            if (config.rank >= 0)
                config.name = QStringLiteral("%1 rank %2").arg(config.name).arg(config.rank).trimmed();
        } else {
            config.group.clear(); // a single trace is no group, even if its job had other ranks
        }
        if (!config.device.isEmpty())
            config.name = QStringLiteral("%1 %2").arg(config.name, config.device).trimmed();
        const qint64 id = store.beginRun(store.recordModel(modelOf(run)), config);
        const RunAnalysis analysis = analyzeTrace(run.trace);
        applyAnalysis(run.trace, analysis, &run.metrics);
        run.metrics.iterationMsMedian = median(run.metrics.iterationMs);
        store.saveTrace(id, run.trace, analysis.layerStats);
        store.finishRun(id, run.status, run.error, run.metrics);
        ids << id;
    }
    return ids;
}

} // namespace memoscope
