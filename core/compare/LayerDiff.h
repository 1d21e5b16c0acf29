#pragma once
// Per-layer differences between two runs, run B minus run A, matched by layer path, largest change first (as
// heaptrack's diff mode does for call sites). Figures are each layer's own, without its children, so a change
// is listed once, where it happened.

#include "core/Store.h"

#include <QJsonObject>
#include <QVector>

namespace memoscope {

struct LayerFigures {
    qint64 peakContributionBytes = 0; // what the layer owned at its run's peak
    qint64 paramBytes = 0;
    qint64 activationBytes = 0; // per iteration
    qint64 allocatedBytes = 0; // over the measured iterations
};

struct LayerDifference {
    QString path; // display path ("<root>" for the root)
    QString type; // B's type, or A's when the layer is gone
    LayerFigures before; // run A
    LayerFigures after; // run B
    bool onlyInA = false; // removed (e.g. fused away)
    bool onlyInB = false; // added

    qint64 peakChange() const { return after.peakContributionBytes - before.peakContributionBytes; }
    qint64 paramChange() const { return after.paramBytes - before.paramBytes; }
    qint64 activationChange() const { return after.activationBytes - before.activationBytes; }
    qint64 allocatedChange() const { return after.allocatedBytes - before.allocatedBytes; }
    // The largest of the changes in absolute value: what the table is sorted by.
    qint64 sizeOfChange() const;

    QJsonObject toJson() const;
};

// Layers whose figures differ, largest change first; unchanged layers are left out.
QVector<LayerDifference> diffLayers(const StoredRun& a, const StoredRun& b);

} // namespace memoscope
