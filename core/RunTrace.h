#pragma once
// What one profiled run recorded: the model's layers, the op names, every allocation and free, and the spans
// of each phase and op. Plain values; the profiler fills them, the store saves them, analysis reads them.

#include "Taxonomy.h"

#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

namespace memoscope {

// One allocation (bytes > 0) or free (bytes < 0). A free carries the same allocationId as its allocation and
// the allocation's owner attributes (op, layer, phase, category), so live bytes can be split by any of them.
struct Event {
    qint64 timeNs = 0; // since the measured iterations started
    qint64 bytes = 0;
    qint32 allocationId = -1;
    qint32 opId = -1; // index into RunTrace::ops; -1 when no op was running
    qint32 layerId = -1; // index into RunTrace::layers; -1 when no layer was running
    Phase phase = Phase::Setup;
    Category category = Category::Temporary;
};

// A module of the model ("layer1.0.conv1", type "Conv2d"), or a pseudo-layer for work outside the model
// such as the loss function. Numbers are the layer's own, not including its children.
struct Layer {
    qint32 id = -1;
    QString path; // empty for the root module
    QString type;
    qint32 parentId = -1;
    qint32 depth = 0; // root = 0
    qint64 paramCount = 0;
    qint64 paramBytes = 0; // parameters and buffers
    qint64 forwardNs = 0; // summed over the measured iterations
    qint64 backwardNs = 0;
    bool pseudo = false; // not a module of the model (the loss)

    QString displayPath() const; // "<root>" for the root
    // The pseudo-layer DistributedDataParallel's gradient buckets are filed under in a recorded run.
    static QString ddpBucketsPath() { return QStringLiteral("<ddp buckets>"); }
    bool isDdpBuckets() const { return pseudo && path == ddpBucketsPath(); }
};

struct PhaseSpan {
    Phase phase = Phase::Input;
    qint32 iteration = 0;
    qint64 startNs = 0;
    qint64 endNs = 0;
};

// A top-level op as the TorchScript interpreter or the autograd engine ran it.
struct OpSpan {
    qint32 opId = -1;
    qint32 layerId = -1;
    Phase phase = Phase::Forward;
    qint64 startNs = 0;
    qint64 endNs = 0;
};

struct RunTrace {
    QVector<Layer> layers;
    QStringList ops;
    std::vector<Event> events;
    QVector<PhaseSpan> phases;
    std::vector<OpSpan> opSpans;

    int iterationCount() const;
    // The top-level ancestor of a layer (a child of the root), or the layer itself when it is the root or a
    // pseudo-layer; -1 for -1.
    qint32 topLevelLayer(qint32 layerId) const;
};

} // namespace memoscope
