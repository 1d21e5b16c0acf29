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

struct StepAccuracy {
    QString after; // "original", or the step after which it was measured ("prune-structured=0.5", "distill")
    double accuracy = 0;
};

struct OptimizationRecord {
    QString sourceModel;
    QString outputModel;
    QStringList applied; // techniques in the order applied, with their settings ("int8-dynamic", "bf16")
    QStringList changedLayers;
    QStringList prunedLayers; // "conv1: 32 -> 16" for every layer structured pruning cut
    QVector<StepAccuracy> accuracyByStep; // on the evaluation data, when there is labelled data
    QVector<SkippedLayerRecord> skippedLayers;
    QStringList notes; // plain statements for the user, e.g. what fp16 really computes in
    QString quantizedEngine; // qnnpack or onednn, when int8 kernels are used
    // Parameters as model.parameters() counts them, in whatever form they are stored (int8, sparse), and
    // apart from them the registered buffers (BatchNorm running statistics): pruning tools count the first.
    qint64 paramBytesBefore = 0;
    qint64 paramBytesAfter = 0;
    std::optional<qint64> paramBytesAfterDense; // with --sparse: the same model stored dense
    qint64 bufferBytesBefore = 0;
    qint64 bufferBytesAfter = 0;
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

// "99.7 % (original), then 76.1 % (prune-structured=0.5), then 98.9 % (distill)"; empty without labelled data.
QString accuracyByStepText(const OptimizationRecord& record);

// The techniques `optimize --apply` knows, in the words the CLI uses.
QStringList knownTechniques();

// One --apply, parsed: "bf16", "prune-structured=0.5:l2:global", "prune-unstructured=0.7".
struct TechniqueStep {
    QString name; // without settings: "prune-structured"
    double ratio = 0; // pruning
    bool l2 = false;
    bool global = false;
    // Returns nothing and sets *error (one sentence saying what is wrong and what is allowed) when invalid.
    static std::optional<TechniqueStep> parse(const QString& text, QString* error);
    // One spelling of the step: "prune-structured=0.5:l2" for "prune-structured=0.50:l2:l1"... (L1 is the default).
    QString canonical() const;
};

} // namespace memoscope
