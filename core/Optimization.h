#pragma once
// An optimization of a model as Memoscope applied it: which techniques, in which order, which layers they
// changed or skipped and why, the sizes before and after, and how faithful the result is to the original.
// Stored with the optimized run and printed by `memoscope-cli optimize`.

#include "Fidelity.h"

#include <QJsonObject>
#include <QStringList>
#include <QVector>
#include <optional>

namespace memoscope {

struct SkippedLayerRecord {
    QString layer;
    QString reason;
    QString technique;
};

struct OptimizationRecord {
    QString sourceModel;
    QString outputModel;
    QStringList applied; // techniques in the order applied, with their settings ("int8-dynamic", "bf16")
    QStringList changedLayers;
    QVector<SkippedLayerRecord> skippedLayers;
    QStringList notes; // plain statements for the user, e.g. what fp16 really computes in
    QString quantizedEngine; // qnnpack or onednn, when int8 kernels are used
    qint64 paramBytesBefore = 0;
    qint64 paramBytesAfter = 0;
    qint64 fileBytesBefore = 0;
    qint64 fileBytesAfter = 0;
    std::optional<qint64> peakBytesBefore;
    std::optional<qint64> peakBytesAfter;
    std::optional<FidelityReport> fidelity;
    qint64 baselineRunId = -1;
    qint64 optimizedRunId = -1;

    QJsonObject toJson() const;
    static OptimizationRecord fromJson(const QJsonObject& json);
};

// The techniques `optimize --apply` knows, in the words the CLI uses.
QStringList knownTechniques();

} // namespace memoscope
