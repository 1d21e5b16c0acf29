#include "MeasuredAccuracy.h"

#include <QHash>

namespace memoscope {

namespace {
    QStringList canonical(const QStringList& steps)
    {
        QStringList result;
        for (const QString& step : steps) {
            QString error;
            const std::optional<TechniqueStep> parsed = TechniqueStep::parse(step, &error);
            result << (parsed ? parsed->canonical() : step);
        }
        return result;
    }
}

QVector<MeasuredAccuracy> measuredAccuracies(Store& store, const StoredRun& run)
{
    QVector<MeasuredAccuracy> measured;
    if (run.model.sha256.isEmpty())
        return measured;
    // Whether a baseline run profiled the same model, each baseline loaded once.
    QHash<qint64, bool> sameModel { { run.summary.id, true } };
    for (const RunSummary& summary : store.runs()) {
        const std::optional<OptimizationRecord> record = store.optimizationOfRun(summary.id);
        if (!record || record->baselineRunId < 0 || record->accuracyByStep.size() != record->applied.size() + 1)
            continue;
        if (!sameModel.contains(record->baselineRunId)) {
            const std::optional<StoredRun> original = store.load(record->baselineRunId, false);
            sameModel.insert(record->baselineRunId, original && original->model.sha256 == run.model.sha256);
        }
        if (!sameModel.value(record->baselineRunId))
            continue;
        const QStringList steps = canonical(record->applied);
        for (qsizetype k = 1; k <= steps.size(); ++k)
            measured << MeasuredAccuracy { steps.mid(0, k), record->accuracyByStep.first().accuracy,
                record->accuracyByStep[k].accuracy, summary.id };
    }
    return measured;
}

std::optional<MeasuredAccuracy> measurementOf(const QVector<MeasuredAccuracy>& measured, const QStringList& steps)
{
    const QStringList wanted = canonical(steps);
    for (const MeasuredAccuracy& m : measured)
        if (m.steps == wanted)
            return m;
    return std::nullopt;
}

} // namespace memoscope
