#pragma once
// Predicts a plan's peak by replaying the run's own allocations with each tensor resized as the plan would
// resize it: weights of the layers a technique changes, activations whose channels pruning cuts or whose
// precision drops, batch-sized tensors with the batch, Adam's second copy of the parameters. Only what was
// measured can shrink, and the replay finds the new peak wherever it lands (not always where the old one was).
// Sizes combine multiplicatively: pruning then bf16 makes a weight (1 - r)^2 x 0.5 as large. Checkpointed modules
// drop their activations after forward and rebuild them, as the recompute does, when their backward begins.

#include "Plan.h"

#include "LayerRoles.h"
#include "core/Run.h"
#include "core/RunTrace.h"

#include <QSet>
#include <QVector>

namespace memoscope {

struct PeakPrediction {
    qint64 peakBytes = 0;
    CategoryBytes categoriesAtPeak {};
    qint64 peakEventIndex = -1;
};

// How large each representation is against float32, scales included. Physical sizes, not guesses about savings:
// int8 keeps one byte per weight plus a scale and zero point per output channel (about 1 % of a row of a few
// hundred weights).
struct StorageRatios {
    static constexpr double int8Weights = 0.26;
    // A quantized engine keeps its own packed copy of int8 weights besides the int8 tensors, as memory no layer
    // owns. Measured with oneDNN on LibTorch 1.13: 0.27 of the float32 bytes for dynamically quantized Linear
    // weights, 0.49 for statically quantized Conv2d weights (a blocked layout).
    static constexpr double int8DynamicRepacked = 0.27;
    static constexpr double int8StaticRepacked = 0.49;
    static constexpr double halfPrecision = 0.5;
};

class PeakSimulator {
public:
    PeakSimulator(const RunTrace& trace, const RunConfig& config);

    PeakPrediction predict(const Plan& plan) const;
    // Checkpointing `segments` while the activations of `keptLayers` (layers inside them) stay from forward to
    // backward, as selective checkpointing keeps them (core/CheckpointPlan.h).
    PeakPrediction predictCheckpointing(const QStringList& segments, const QStringList& keptLayers) const;

    int batchSize() const { return m_batchSize; }
    // Bytes of one batch of inputs, from the specs; 0 when an input is a file.
    qint64 batchInputBytes() const { return m_batchInputBytes; }
    qint64 largestInputLive() const { return m_largestInputLive; }
    qint64 largestDataLive() const { return m_largestDataLive; } // the data set the run held (Category::Data)
    // Activation bytes a top-level layer keeps in one forward pass, and those it would keep at its boundary
    // (its output) if checkpointed.
    qint64 keptActivationBytes(qint32 topLevelLayer) const { return m_topLevelPasses.keptBytes.value(topLevelLayer); }
    qint64 boundaryBytes(qint32 topLevelLayer) const { return m_topLevelPasses.boundaryBytes.value(topLevelLayer); }
    qint32 layerIdOfPath(const QString& path) const;

private:
    struct Factors {
        QVector<double> parameter; // per layer: parameters, their gradients and optimizer state
        QVector<double> activation; // per layer: activations and temporaries, batch excluded
        QVector<double> workspace; // per layer: the share of its temporaries that remain (int8 kernels need none)
        double output = 1; // the model's output: bf16 casts it back to float32, so both exist at that moment
        QVector<qint64> whileRunning; // per layer: extra bytes alive while it runs (float copies of int8 weights)
        double optimizerState = 1;
        double optimizerStep = 1; // the step's temporaries: Adam's are parameter-sized, SGD updates in place
        double batch = 1;
        double input = 1;
        double data = 1; // a data set held whole: streaming keeps one batch of it
        double meanParameter = 1; // for the optimizer step's temporaries, which no layer owns
    };
    PeakPrediction replay(const Plan& plan, const QSet<qint32>& keptLayers) const;
    Factors factorsOf(const Plan& plan) const;
    void addOptimizerLevers(const Plan& plan, Factors& f) const;
    void addDataLevers(const Plan& plan, Factors& f) const;
    double factorOf(const Event& event, const Factors& factors) const;

    // Segments are modules with everything inside them, keyed by an id per segment; -1: in none.
    // Forward passes of each segment: the activations it keeps, and the last of them (its output), which is all
    // that checkpointing keeps of it.
    struct SegmentPasses {
        QSet<qint32> boundaryAllocations; // each segment's last activation of each forward pass
        QHash<qint32, qint64> keptBytes; // per segment, the most one pass keeps
        QHash<qint32, qint64> boundaryBytes;
    };
    SegmentPasses passesOf(const QVector<qint32>& segmentOfLayer) const;
    // Per layer: the index in `paths` of the module that holds it (the module itself or an ancestor), or -1.
    QVector<qint32> segmentsOf(const QStringList& paths) const;

    const RunTrace& m_trace;
    RunConfig m_config;
    QVector<LayerKind> m_kinds;
    QVector<PruningShape> m_pruning;
    QVector<qint32> m_topLevel;
    QVector<bool> m_ranOnItsOwn; // allocated in forward itself: not only read by a parent's fused op
    SegmentPasses m_topLevelPasses; // each top-level layer as a segment, keyed by its layer id
    int m_batchSize = 0;
    qint64 m_batchInputBytes = 0;
    qint64 m_largestInputLive = 0;
    qint64 m_largestDataLive = 0;
    qint64 m_dataBatchBytes = 0; // the most of the data set's batches alive at once during the steps
};

} // namespace memoscope
