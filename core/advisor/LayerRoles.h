#pragma once
// What each lever does to each layer of a profiled model, read from the layer table alone (types, nesting and
// order): which layers hold weights int8 can shrink, and which channels structured pruning can cut. The core
// cannot trace the model's graph as the pruning transform does, so pruning follows its rules structurally:
// Conv and Linear layers in a chain lose outputs and inputs alike, the first keeps its inputs, the last its
// outputs; inside a block with a LayerNorm only the hidden features between two Linear layers are cut.

#include "core/RunTrace.h"

#include <QVector>

namespace memoscope {

enum class LayerKind { Linear, Conv, Recurrent, Attention, BatchNorm, LayerNorm, Embedding, Other };
LayerKind layerKind(const QString& type);

struct PruningShape {
    bool outputsCut = false;
    bool inputsCut = false;
    bool activationsCut = false; // its outputs have fewer channels (it runs after a layer whose outputs are cut)
};

// One entry per layer of `layers` (indexed by layer id).
QVector<PruningShape> pruningShapes(const QVector<Layer>& layers);

} // namespace memoscope
