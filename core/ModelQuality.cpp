#include "ModelQuality.h"

#include <cmath>
#include <limits>

namespace memoscope {

namespace {
    constexpr double notMeasured = std::numeric_limits<double>::quiet_NaN();

    // The optimization among `compared` whose original model `run` profiled.
    const OptimizationRecord* optimizationOf(const StoredRun& run, const QVector<StoredRun>& compared)
    {
        for (const StoredRun& other : compared)
            if (other.optimization && other.optimization->baselineRunId >= 0
                && other.optimization->baselineRunId == run.summary.id)
                return &*other.optimization;
        return nullptr;
    }
}

double accuracyOfRun(const StoredRun& run, const QVector<StoredRun>& compared)
{
    if (run.optimization) {
        const OptimizationRecord& record = *run.optimization;
        if (!record.accuracyByStep.isEmpty())
            return record.accuracyByStep.last().accuracy;
        return record.fidelity && record.fidelity->accuracyAfter ? *record.fidelity->accuracyAfter : notMeasured;
    }
    if (const OptimizationRecord* record = optimizationOf(run, compared)) {
        if (!record->accuracyByStep.isEmpty())
            return record->accuracyByStep.first().accuracy; // "original"
        if (record->fidelity && record->fidelity->accuracyBefore)
            return *record->fidelity->accuracyBefore;
    }
    return notMeasured;
}

double top1AgreementOfRun(const StoredRun& run, const QVector<StoredRun>& compared)
{
    if (run.optimization)
        return run.optimization->fidelity ? run.optimization->fidelity->top1Agreement : notMeasured;
    const OptimizationRecord* record = optimizationOf(run, compared);
    return record && record->fidelity && !std::isnan(record->fidelity->top1Agreement) ? 1.0 : notMeasured;
}

} // namespace memoscope
