#include "Risk.h"

#include <algorithm>
#include <cmath>

namespace memoscope {

QString riskLevelLabel(RiskLevel level)
{
    return level == RiskLevel::None ? QStringLiteral("no risk") : riskLevelName(level) + QStringLiteral(" risk");
}

QString Risk::whatChanges() const
{
    const qsizetype colon = text.indexOf(QLatin1String(": "));
    return colon >= 0 ? text.mid(colon + 2) : text;
}

QString riskLevelName(RiskLevel level)
{
    switch (level) {
    case RiskLevel::None:
        return QStringLiteral("none");
    case RiskLevel::Low:
        return QStringLiteral("low");
    case RiskLevel::Medium:
        return QStringLiteral("medium");
    case RiskLevel::High:
        return QStringLiteral("high");
    }
    return {};
}

namespace {
    RiskLevel levelOf(double loss)
    {
        if (loss <= 0)
            return RiskLevel::None;
        if (loss < 0.015)
            return RiskLevel::Low;
        if (loss < 0.05)
            return RiskLevel::Medium;
        return RiskLevel::High;
    }

    // Channels removed from every layer cost accuracy faster than linearly in the ratio.
    double pruningLoss(double ratio) { return 0.25 * std::pow(ratio, 1.5); }

    struct Part {
        double loss = 0;
        double compute = 0;
        QString text;
    };

    Part precisionPart(Precision precision, bool training)
    {
        switch (precision) {
        case Precision::Float32:
            return {};
        case Precision::Bf16:
            // Training in pure bfloat16 (no float32 master weights) loses every update smaller than 1/256 of
            // its weight, which is why mixed precision exists; inference only rounds.
            return training ? Part { 0.05, 0,
                QStringLiteral("pure bfloat16 training loses updates smaller than 1/256 of a weight") }
                            : Part { 0.006, 0, QStringLiteral("bfloat16 keeps 8 bits of mantissa") };
        case Precision::Fp16:
            return { 0.001, 0.05, QStringLiteral("float16 storage only, computed in float32 from a copy") };
        case Precision::Int8Dynamic:
            return { 0.008, 0, QStringLiteral("weights rounded to 8 bits per output channel") };
        case Precision::Int8Static:
            return { 0.02, 0, QStringLiteral("weights and activations in 8 bits; calibrate with --calibration DATA") };
        case Precision::Int8WeightOnly:
            return { 0.005, 0.05, QStringLiteral("weights rounded to 8 bits, turned back to float32 where read") };
        }
        return {};
    }

    Risk combine(const QVector<Part>& parts, bool changesWorkload)
    {
        Risk risk;
        QStringList texts;
        for (const Part& part : parts) {
            risk.expectedAccuracyLoss += part.loss;
            risk.extraCompute += part.compute;
            if (!part.text.isEmpty())
                texts << part.text;
        }
        risk.level = levelOf(risk.expectedAccuracyLoss);
        risk.changesWorkload = changesWorkload;
        risk.text = riskLevelLabel(risk.level) + QStringLiteral(": ")
            + (texts.isEmpty() ? QStringLiteral("nothing changes") : texts.join(QStringLiteral("; ")));
        return risk;
    }
}

Risk riskOf(const Plan& plan, const RunConfig& config, double recomputeFraction)
{
    const bool training = config.mode == RunMode::Train;
    QVector<Part> parts;
    if (plan.pruneRatio > 0)
        parts << Part { pruningLoss(plan.pruneRatio), 0,
            QStringLiteral("removes %1 % of the channels; distill (--distill DATA) to win accuracy back")
                .arg(plan.pruneRatio * 100, 0, 'f', 0) };
    if (plan.precision != Precision::Float32)
        parts << precisionPart(plan.precision, training);
    if (plan.switchToSgd)
        parts << Part { 0.02, 0,
            QStringLiteral("SGD usually needs a tuned learning rate and more epochs to match Adam") };
    if (plan.batchSize > 0)
        parts << (training
                ? Part { 0.005, 0, QStringLiteral("noisier gradients: scale the learning rate with the batch") }
                : Part { 0, 0, QStringLiteral("fewer samples per call: lower throughput") });
    if (!plan.checkpointLayers.isEmpty())
        parts << Part { 0, recomputeFraction,
            QStringLiteral("exact, but the forward of %1 runs twice: about +%2 % compute")
                .arg(plan.checkpointLayers.join(QStringLiteral(", ")))
                .arg(recomputeFraction * 100, 0, 'f', 0) };
    if (plan.streamData)
        parts << Part { 0, 0.02, QStringLiteral("reads each batch from disk as it is needed") };
    if (plan.hasCodeChanges())
        parts << Part { 0, 0,
            QStringLiteral("exact; each step also broadcasts every parameter from the rank that updated it, and the "
                           "training script must make the change") };
    return combine(parts, plan.batchSize > 0);
}

Risk withMeasuredAccuracy(const Risk& prior, double before, double after, qint64 runId, std::optional<double> afterDistilling)
{
    Risk risk = prior;
    risk.expectedAccuracyLoss = std::max(0.0, before - after);
    risk.level = levelOf(risk.expectedAccuracyLoss);
    QString measured = QStringLiteral("measured by run #%1: accuracy %2 % -> %3 %")
                           .arg(runId)
                           .arg(before * 100, 0, 'f', 1)
                           .arg(after * 100, 0, 'f', 1);
    if (afterDistilling)
        measured += QStringLiteral(", %1 % once distilled").arg(*afterDistilling * 100, 0, 'f', 1);
    // The prior's words after its level say what the lever does; the measurement replaces the guess.
    const qsizetype colon = prior.text.indexOf(QLatin1String(": "));
    risk.text = riskLevelLabel(risk.level) + QStringLiteral(": ") + measured
        + (colon >= 0 ? QStringLiteral("; ") + prior.text.mid(colon + 2) : QString());
    return risk;
}

Risk unstructuredPruningRisk(double ratio)
{
    return combine({ Part { pruningLoss(ratio) / 2, 0,
                       QStringLiteral("zeroes %1 % of the weights; saves memory only in a sparse export")
                           .arg(ratio * 100, 0, 'f', 0) } },
        false);
}

Risk distillationRisk()
{
    Risk risk = combine({ Part { 0, 0, QStringLiteral("wins back accuracy; costs training epochs on DATA") } }, false);
    return risk;
}

} // namespace memoscope
