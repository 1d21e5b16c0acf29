#include "SyntheticRun.h"

#include "core/Analysis.h"

namespace memoscope::test {

SyntheticRun::SyntheticRun(RunMode mode, OptimizerKind optimizer, const QString& input)
{
    run.summary.id = 1;
    run.summary.status = RunStatus::Complete;
    run.summary.config.mode = mode;
    run.summary.config.optimizer = optimizer;
    run.summary.config.inputs = { input };
    run.summary.config.modelPath = QStringLiteral("/models/synthetic.pt");
    run.summary.modelPath = run.summary.config.modelPath;
    run.trace.phases = { PhaseSpan { Phase::Forward, 0, 0, 1 } };
}

qint32 SyntheticRun::layer(const QString& path, const QString& type, qint32 parent, qint64 paramBytes)
{
    Layer l;
    l.id = qint32(run.trace.layers.size());
    l.path = path;
    l.type = type;
    l.parentId = parent;
    l.depth = parent < 0 ? 0 : run.trace.layers[parent].depth + 1;
    l.paramBytes = paramBytes;
    run.trace.layers << l;
    if (paramBytes > 0)
        alloc(paramBytes, l.id, Phase::Setup, Category::Parameter);
    return l.id;
}

qint32 SyntheticRun::alloc(qint64 bytes, qint32 layer, Phase phase, Category category)
{
    const Event event { m_time++, bytes, m_nextAllocation++, -1, layer, phase, category };
    run.trace.events.push_back(event);
    m_live.insert(event.allocationId, event);
    return event.allocationId;
}

void SyntheticRun::free(qint32 allocation)
{
    Event event = m_live.take(allocation);
    event.timeNs = m_time++;
    event.bytes = -event.bytes;
    run.trace.events.push_back(event);
}

StoredRun SyntheticRun::finish()
{
    const RunAnalysis analysis = analyzeTrace(run.trace);
    applyAnalysis(run.trace, analysis, &run.metrics);
    run.layerStats = analysis.layerStats;
    run.summary.peakBytes = analysis.peakBytes;
    return run;
}

} // namespace memoscope::test
