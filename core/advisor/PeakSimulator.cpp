#include "PeakSimulator.h"

#include "DataParallel.h"
#include "core/InputSpec.h"

#include <algorithm>

namespace memoscope {

namespace {
    bool runsInLayer(const Event& event) { return event.phase == Phase::Forward || event.phase == Phase::Backward; }
}

PeakSimulator::PeakSimulator(const RunTrace& trace, const RunConfig& config)
    : m_trace(trace)
    , m_config(config)
    , m_pruning(pruningShapes(trace.layers))
{
    for (const Layer& layer : trace.layers) {
        m_kinds << layerKind(layer.type);
        m_topLevel << trace.topLevelLayer(layer.id);
    }
    m_batchSize = batchSizeOf(config);
    for (const QString& text : config.inputs) {
        QString error;
        const std::optional<InputSpec> spec = InputSpec::parse(text, &error);
        m_batchInputBytes += spec ? spec->byteCount() : 0;
    }

    m_ranOnItsOwn.fill(false, trace.layers.size());
    qint64 inputLive = 0;
    qint64 dataLive = 0;
    qint64 batchLive = 0;
    for (const Event& event : trace.events) {
        if (event.category == Category::Data) {
            dataLive += event.bytes;
            m_largestDataLive = std::max(m_largestDataLive, dataLive);
            if (event.phase != Phase::Setup) { // the batch taken from the data set for a step
                batchLive += event.bytes;
                m_dataBatchBytes = std::max(m_dataBatchBytes, batchLive);
            }
        }
        if (event.bytes > 0 && event.phase == Phase::Forward && event.layerId >= 0
            && event.layerId < m_ranOnItsOwn.size())
            m_ranOnItsOwn[event.layerId] = true;
        if (event.category == Category::Input) {
            inputLive += event.bytes;
            m_largestInputLive = std::max(m_largestInputLive, inputLive);
        }
    }
    m_topLevelPasses = passesOf(m_topLevel);
}

PeakSimulator::SegmentPasses PeakSimulator::passesOf(const QVector<qint32>& segmentOfLayer) const
{
    SegmentPasses passes;
    qint32 current = -1;
    qint32 lastAllocation = -1;
    qint64 lastBytes = 0;
    qint64 passBytes = 0;
    auto closePass = [&] {
        if (current >= 0 && lastAllocation >= 0) {
            passes.boundaryAllocations.insert(lastAllocation);
            passes.boundaryBytes[current] = std::max(passes.boundaryBytes.value(current), lastBytes);
            passes.keptBytes[current] = std::max(passes.keptBytes.value(current), passBytes);
        }
        current = -1;
        lastAllocation = -1;
        lastBytes = 0;
        passBytes = 0;
    };
    for (const Event& event : m_trace.events) {
        if (event.bytes <= 0)
            continue;
        if (event.phase != Phase::Forward) {
            closePass();
            continue;
        }
        const qint32 segment
            = event.layerId >= 0 && event.layerId < segmentOfLayer.size() ? segmentOfLayer[event.layerId] : -1;
        if (segment != current)
            closePass();
        current = segment;
        if (event.category == Category::Activation) {
            lastAllocation = event.allocationId;
            lastBytes = event.bytes;
            passBytes += event.bytes;
        }
    }
    closePass();
    return passes;
}

QVector<qint32> PeakSimulator::segmentsOf(const QStringList& paths) const
{
    QVector<qint32> segmentOfLayer(m_trace.layers.size(), -1);
    for (const Layer& layer : m_trace.layers) {
        if (layer.pseudo)
            continue;
        for (int s = 0; s < paths.size() && segmentOfLayer[layer.id] < 0; ++s) {
            const QString& path = paths[s];
            if (!path.isEmpty()
                && (layer.path == path
                    || (layer.path.startsWith(path) && layer.path.size() > path.size()
                        && layer.path[path.size()] == QLatin1Char('.'))))
                segmentOfLayer[layer.id] = s;
        }
    }
    return segmentOfLayer;
}

qint32 PeakSimulator::layerIdOfPath(const QString& path) const
{
    for (const Layer& layer : m_trace.layers)
        if (layer.path == path && !layer.pseudo)
            return layer.id;
    return -1;
}

PeakSimulator::Factors PeakSimulator::factorsOf(const Plan& plan) const
{
    const int count = m_trace.layers.size();
    Factors f;
    f.parameter.fill(1, count);
    f.activation.fill(1, count);
    f.workspace.fill(1, count);
    f.whileRunning.fill(0, count);
    const double kept = 1 - plan.pruneRatio;
    double before = 0;
    double after = 0;
    for (const Layer& layer : m_trace.layers) {
        const PruningShape& shape = m_pruning[layer.id];
        const LayerKind kind = m_kinds[layer.id];
        double prune = 1;
        if (plan.pruneRatio > 0) {
            prune = (shape.outputsCut ? kept : 1) * (shape.inputsCut ? kept : 1);
            if (shape.activationsCut)
                f.activation[layer.id] = kept;
        }
        double precision = 1;
        const bool linearLike
            = kind == LayerKind::Linear || kind == LayerKind::Recurrent || kind == LayerKind::Attention;
        switch (plan.precision) {
        case Precision::Float32:
            break;
        case Precision::Bf16:
            precision = StorageRatios::halfPrecision;
            f.activation[layer.id] *= StorageRatios::halfPrecision;
            f.output = 1 + StorageRatios::halfPrecision;
            break;
        case Precision::Fp16:
            // Stored in float16, computed in float32: each layer makes a float32 copy of its weights as it runs.
            // Recurrent layers read their weights as one list, which fp16 storage leaves in float32.
            if (kind != LayerKind::Recurrent) {
                precision = StorageRatios::halfPrecision;
                f.whileRunning[layer.id] = qint64(double(layer.paramBytes) * prune);
            }
            break;
        case Precision::Int8Dynamic:
            if (linearLike)
                precision = StorageRatios::int8Weights + StorageRatios::int8DynamicRepacked;
            break;
        case Precision::Int8Static:
            // Calibration observes layers as they run; one whose weights only a parent's fused op reads (a
            // transformer layer's fast path) is left in float.
            // Each quantized layer takes a float input and returns a float output (quantized on entry and
            // dequantized on exit, so that any neighbour runs unchanged): its activations stay float32. The
            // float kernel's workspace (a convolution's unfolded input) is gone: the int8 kernel works in place
            // of it on uint8 data.
            if ((kind == LayerKind::Linear || kind == LayerKind::Conv) && m_ranOnItsOwn[layer.id]) {
                precision = StorageRatios::int8Weights + StorageRatios::int8StaticRepacked;
                f.workspace[layer.id] = 0;
            }
            break;
        case Precision::Int8WeightOnly:
            // Recurrent layers read their weights as one list, which weight-only storage leaves in float.
            if (kind == LayerKind::Linear || kind == LayerKind::Attention || kind == LayerKind::Conv
                || kind == LayerKind::Embedding) {
                precision = StorageRatios::int8Weights;
                // Turned back into float32 where they are read.
                f.whileRunning[layer.id] = qint64(double(layer.paramBytes) * prune);
            }
            break;
        }
        f.parameter[layer.id] = prune * precision;
        before += double(layer.paramBytes);
        after += double(layer.paramBytes) * prune * precision;
    }
    // A parent whose fused op reads its children's weights (a transformer layer's fast path) no longer runs
    // fused once they change: its children run one by one, each holding its own copy while it runs.
    for (qint32 id = count - 1; id > 0; --id) {
        const qint32 parent = m_trace.layers[id].parentId;
        if (parent >= 0 && !m_ranOnItsOwn[id] && m_trace.layers[id].paramBytes > 0)
            f.whileRunning[parent] = std::max(f.whileRunning[parent], f.whileRunning[id]);
    }
    f.meanParameter = before > 0 ? after / before : 1;
    addOptimizerLevers(plan, f);
    addDataLevers(plan, f);
    return f;
}

// The optimizer's levers: SGD's single copy of the parameters, or Adam's state sharded over a job's ranks.
void PeakSimulator::addOptimizerLevers(const Plan& plan, Factors& f) const
{
    if (plan.switchToSgd && m_config.mode == RunMode::Train && m_config.optimizer == OptimizerKind::Adam) {
        f.optimizerState = 0.5;
        f.optimizerStep = 0;
    }
    if (plan.shardOptimizerRanks > 1 && m_config.mode == RunMode::Train) {
        // The job's peak is the rank that keeps the most: the largest share of the state, and of the step's
        // temporaries (Adam's are the size of the parameter it is updating, so the largest parameter it owns).
        double state = 0, step = 0;
        for (const OptimizerShard& shard : zeroShards(parameterSizes(m_trace), plan.shardOptimizerRanks)) {
            state = std::max(state, shard.stateShare);
            step = std::max(step, shard.stepShare);
        }
        f.optimizerState *= state;
        f.optimizerStep *= step;
    }
}

// The data levers: another batch size, or the data set streamed instead of held.
void PeakSimulator::addDataLevers(const Plan& plan, Factors& f) const
{
    if (plan.batchSize > 0 && m_batchSize > 0)
        f.batch = double(plan.batchSize) / double(m_batchSize);
    if (plan.streamData && m_batchInputBytes > 0 && m_largestInputLive > m_batchInputBytes)
        f.input = double(m_batchInputBytes) / double(m_largestInputLive);
    // A data set read whole (--data --in-memory): streamed, only the batch being read is held. Its size is the
    // batch the run took from it for a step, else the batch the model took in.
    const qint64 oneBatch = m_dataBatchBytes > 0 ? m_dataBatchBytes
        : m_batchInputBytes > 0                ? m_batchInputBytes
                                               : m_largestInputLive;
    if (plan.streamData && m_config.dataReading == DataReading::InMemory && oneBatch > 0
        && m_largestDataLive > oneBatch)
        f.data = double(oneBatch) / double(m_largestDataLive);
}

double PeakSimulator::factorOf(const Event& event, const Factors& f) const
{
    const qint32 layer = event.layerId >= 0 && event.layerId < m_trace.layers.size() ? event.layerId : -1;
    const double parameter = layer >= 0 ? f.parameter[layer] : f.meanParameter;
    switch (event.category) {
    case Category::Parameter:
        return layer >= 0 ? f.parameter[layer] : 1; // memory no layer owns: a loaded model's records
    case Category::Gradient:
        return parameter;
    case Category::OptimizerState:
        return parameter * f.optimizerState;
    case Category::Input:
        return event.phase == Phase::Setup ? 1 : f.batch * f.input;
    case Category::Output:
        return event.phase == Phase::Setup ? 1 : f.batch * f.output;
    case Category::Data:
        return f.data;
    case Category::Activation:
    case Category::Temporary:
        break;
    }
    if (event.phase == Phase::Setup)
        return 1;
    if (event.phase == Phase::Optimizer) // the step's temporaries are the size of the parameters
        return f.meanParameter * f.optimizerStep;
    const double activation
        = layer >= 0 ? f.activation[layer] : (f.activation.isEmpty() ? 1 : f.activation[0]); // the root's own ops
    const double workspace = event.category == Category::Temporary && layer >= 0 ? f.workspace[layer] : 1;
    return activation * workspace * f.batch;
}

PeakPrediction PeakSimulator::predict(const Plan& plan) const { return replay(plan, {}); }

PeakPrediction PeakSimulator::predictCheckpointing(const QStringList& segments, const QStringList& keptLayers) const
{
    Plan plan;
    plan.checkpointLayers = segments;
    QSet<qint32> kept;
    for (const QString& path : keptLayers)
        kept.insert(layerIdOfPath(path));
    return replay(plan, kept);
}

PeakPrediction PeakSimulator::replay(const Plan& plan, const QSet<qint32>& keptLayers) const
{
    const Factors f = factorsOf(plan);
    const QVector<qint32> segmentOfLayer = segmentsOf(plan.checkpointLayers);
    const SegmentPasses passes
        = plan.checkpointLayers.isEmpty() ? SegmentPasses {} : passesOf(segmentOfLayer);
    QVector<double> segmentActivationFactor;
    for (const QString& path : plan.checkpointLayers) {
        const qint32 id = layerIdOfPath(path);
        segmentActivationFactor << (id >= 0 ? f.activation[id] : 1.0);
    }

    // Checkpointing: a segment's activations (all but its output) are dropped from its forward until its backward
    // begins, when they are rebuilt as they were and then freed as backward frees them.
    QVector<double> droppedLive(plan.checkpointLayers.size(), 0); // per segment: its activations the run held
    QVector<bool> inBackward(plan.checkpointLayers.size(), false);
    double dropped = 0; // of those, the ones currently dropped
    // The recompute runs the segment's forward again from its saved input, so while its backward runs, a second
    // copy of its output exists besides the one the next layer kept; and the gradient of that output, which a
    // layer's backward normally frees after its first op, is held until the whole segment has back-propagated
    // (the recompute's graph is a separate backward call). Both are output-sized (measured on deep_mlp and
    // resnet18; torch.utils.checkpoint holds the same two).
    double recomputeHeld = 0;

    PeakPrediction prediction;
    std::array<double, CategoryCount> live {};
    double total = 0;
    double best = -1;
    qint32 running = -1;
    for (size_t i = 0; i < m_trace.events.size(); ++i) {
        const Event& event = m_trace.events[i];
        const double bytes = double(event.bytes) * factorOf(event, f);
        live[int(event.category)] += bytes;
        total += bytes;
        const bool known = event.layerId >= 0 && event.layerId < m_trace.layers.size();
        if (event.bytes > 0)
            running = runsInLayer(event) && known ? event.layerId : -1;
        const qint32 segment = known ? segmentOfLayer[event.layerId] : -1;
        if (segment >= 0) {
            if (event.bytes > 0 && event.phase == Phase::Backward && !inBackward[segment]) {
                inBackward[segment] = true; // rebuilt
                dropped -= droppedLive[segment];
                recomputeHeld = 2 * double(passes.boundaryBytes.value(segment)) * f.batch
                    * segmentActivationFactor[segment];
            } else if (event.bytes > 0 && event.phase == Phase::Forward && inBackward[segment]) {
                inBackward[segment] = false; // the next iteration's forward
                dropped += droppedLive[segment];
                recomputeHeld = 0;
            }
            if (event.category == Category::Activation && event.phase == Phase::Forward
                && !passes.boundaryAllocations.contains(event.allocationId) && !keptLayers.contains(event.layerId)) {
                droppedLive[segment] += bytes;
                if (!inBackward[segment])
                    dropped += bytes;
            }
        }
        // Bytes the plan adds that the run never allocated: float copies of a running layer's weights.
        const double copies = running >= 0 ? double(f.whileRunning[running]) : 0;
        if (total - dropped + copies + recomputeHeld > best) {
            best = total - dropped + copies + recomputeHeld;
            prediction.peakEventIndex = qint64(i);
            for (int c = 0; c < CategoryCount; ++c)
                prediction.categoriesAtPeak[c] = qint64(live[c]);
            prediction.categoriesAtPeak[int(Category::Temporary)] += qint64(copies + recomputeHeld);
            prediction.categoriesAtPeak[int(Category::Activation)] -= qint64(dropped);
        }
    }
    prediction.peakBytes = qint64(std::max(0.0, best));
    return prediction;
}

} // namespace memoscope
