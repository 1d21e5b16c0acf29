#pragma once
// How closely a transformed model (pruned, quantized, distilled...) reproduces the original's outputs on the
// same inputs, and optionally the accuracy of both on a labelled data set. Stored with plans and shown in
// reports, so it lives in core and holds plain numbers only.

#include <QJsonObject>
#include <optional>

namespace memoscope {

struct FidelityReport {
    double maxAbsError = 0;
    double meanRelativeError = 0; // mean(|a - b|) / mean(|a|) over all output elements
    double cosine = 1; // of the flattened outputs
    double top1Agreement = 0; // rows whose argmax over the last dimension agree; NaN when that dimension < 2
    qint64 samples = 0; // compared samples (the outputs' first dimension, summed over batches)
    std::optional<double> accuracyBefore; // of the original on a labelled data set
    std::optional<double> accuracyAfter; // of the transformed model on the same data

    // Keys max_abs_error, mean_rel_error, cosine, top1_agreement, samples, accuracy_before, accuracy_after
    // (the accuracies only when present). JSON has no NaN or infinity: such values are written as null and
    // read back as NaN.
    QJsonObject toJson() const;
    static FidelityReport fromJson(const QJsonObject& json);
};

} // namespace memoscope
