#include "PeakSimulator.h"

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

    // One forward pass of a top-level layer: the activations it keeps, and the last of them (its output), which
    // is all that checkpointing keeps of it.
    qint32 current = -1;
    qint32 lastAllocation = -1;
    qint64 lastBytes = 0;
    qint64 passBytes = 0;
    auto closePass = [&] {
        if (current >= 0 && lastAllocation >= 0) {
            m_boundaryAllocations.insert(lastAllocation);
            m_boundaryBytes[current] = std::max(m_boundaryBytes.value(current), lastBytes);
            m_keptActivations[current] = std::max(m_keptActivations.value(current), passBytes);
        }
        current = -1;
        lastAllocation = -1;
        lastBytes = 0;
        passBytes = 0;
    };
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
        if (event.bytes <= 0)
            continue;
        if (event.phase != Phase::Forward) {
            closePass();
            continue;
        }
        const qint32 top = event.layerId >= 0 && event.layerId < m_topLevel.size() ? m_topLevel[event.layerId] : -1;
        if (top != current)
            closePass();
        current = top;
        if (event.category == Category::Activation) {
            lastAllocation = event.allocationId;
            lastBytes = event.bytes;
            passBytes += event.bytes;
        }
    }
    closePass();
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
            precision = StorageRatios::halfPrecision;
            f.whileRunning[layer.id] = qint64(double(layer.paramBytes) * prune);
            break;
        case Precision::Int8Dynamic:
            if (linearLike)
                precision = StorageRatios::int8Weights + StorageRatios::int8DynamicRepacked;
            break;
        case Precision::Int8Static:
            // Calibration observes layers as they run; one whose weights only a parent's fused op reads (a
            // transformer layer's fast path) is left in float.
            if ((kind == LayerKind::Linear || kind == LayerKind::Conv) && m_ranOnItsOwn[layer.id]) {
                precision = StorageRatios::int8Weights + StorageRatios::int8StaticRepacked;
                f.activation[layer.id] *= StorageRatios::int8Activations;
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
    if (plan.switchToSgd && m_config.mode == RunMode::Train && m_config.optimizer == OptimizerKind::Adam) {
        f.optimizerState = 0.5;
        f.optimizerStep = 0;
    }
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
    return f;
}

bool PeakSimulator::droppedByCheckpoint(const Event& event, const QSet<qint32>& checkpointed) const
{
    return event.category == Category::Activation && event.phase == Phase::Forward && event.layerId >= 0
        && event.layerId < m_topLevel.size() && checkpointed.contains(m_topLevel[event.layerId])
        && !m_boundaryAllocations.contains(event.allocationId);
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
    return activation * f.batch;
}

PeakPrediction PeakSimulator::predict(const Plan& plan) const
{
    const Factors f = factorsOf(plan);
    QSet<qint32> checkpointed;
    for (const QString& path : plan.checkpointLayers)
        checkpointed.insert(layerIdOfPath(path));

    // Checkpointing: a checkpointed layer's activations (all but its output) are dropped from its forward until
    // its backward begins, when they are rebuilt as they were and then freed as backward frees them.
    QHash<qint32, double> droppedLive; // per checkpointed layer: its activations the original run held
    QSet<qint32> inBackward;
    double dropped = 0; // of those, the ones currently dropped
    // The recompute runs the layer's forward again from its saved input, so while its backward runs, a second
    // copy of its output exists besides the one the next layer kept (measured on deep_mlp and resnet18).
    double recomputedOutput = 0;

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
        if (!checkpointed.isEmpty() && known) {
            const qint32 top = m_topLevel[event.layerId];
            if (checkpointed.contains(top) && event.bytes > 0) {
                if (event.phase == Phase::Backward && !inBackward.contains(top)) {
                    inBackward.insert(top); // rebuilt
                    dropped -= droppedLive.value(top);
                    recomputedOutput = double(m_boundaryBytes.value(top)) * f.batch * f.activation.value(top, 1);
                } else if (event.phase == Phase::Forward && inBackward.contains(top)) {
                    inBackward.remove(top); // the next iteration's forward
                    dropped += droppedLive.value(top);
                    recomputedOutput = 0;
                }
            }
            if (droppedByCheckpoint(event, checkpointed)) {
                droppedLive[top] += bytes;
                if (!inBackward.contains(top))
                    dropped += bytes;
            }
        }
        // Bytes the plan adds that the run never allocated: float copies of a running layer's weights.
        const double copies = running >= 0 ? double(f.whileRunning[running]) : 0;
        if (total - dropped + copies + recomputedOutput > best) {
            best = total - dropped + copies + recomputedOutput;
            prediction.peakEventIndex = qint64(i);
            for (int c = 0; c < CategoryCount; ++c)
                prediction.categoriesAtPeak[c] = qint64(live[c]);
            prediction.categoriesAtPeak[int(Category::Temporary)] += qint64(copies + recomputedOutput);
            prediction.categoriesAtPeak[int(Category::Activation)] -= qint64(dropped);
        }
    }
    prediction.peakBytes = qint64(std::max(0.0, best));
    return prediction;
}

} // namespace memoscope
