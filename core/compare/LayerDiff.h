#pragma once
// What changed layer by layer between two runs, usually of one model before and after an optimization: run B
// minus run A, layers matched by path, largest change first (heaptrack's diff mode, for layers). Each layer's
// own figures are compared, children excluded, so every change is pinned to the layer where it happened and
// the changes add up to the change of the whole model.

#include "core/Store.h"

#include <QJsonObject>
#include <QVector>

namespace memoscope {

struct LayerFigures {
    bool present = false; // the run has a layer at this path
    QString type;
    qint64 peakContributionBytes = 0; // own, at that run's peak moment
    qint64 paramBytes = 0;
    qint64 activationBytes = 0; // per iteration
    qint64 allocatedBytes = 0; // per iteration: runs may have measured different numbers of iterations
};

struct LayerDifference {
    QString path; // display path, "<root>" for the root module
    LayerFigures a;
    LayerFigures b;

    qint64 peakContributionDelta() const { return b.peakContributionBytes - a.peakContributionBytes; }
    qint64 paramDelta() const { return b.paramBytes - a.paramBytes; }
    qint64 activationDelta() const { return b.activationBytes - a.activationBytes; }
    qint64 allocatedDelta() const { return b.allocatedBytes - a.allocatedBytes; }
    bool changed() const;
    // The type, or "Conv2d → QuantizedConv2d" when it changed.
    QString typeLabel() const;
    // The path, marked "(only in #7)" when one run lacks the layer.
    QString pathLabel(qint64 runIdA, qint64 runIdB) const;
    // {path, type, a: {...}, b: {...}, *_change, only_in_a, only_in_b}, as `compare --json` prints it.
    QJsonObject toJson() const;
};

// Every layer of either run whose figures differ, sorted by the size of the change at the peak, then of the
// parameters, then of the bytes allocated per iteration (largest first; ties in A's module order).
QVector<LayerDifference> layerDifferences(const StoredRun& a, const StoredRun& b);

} // namespace memoscope
