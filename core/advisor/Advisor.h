#pragma once
// The advisor: from a stored run (with its events), every lever that applies to it, each with the saving the
// replay of its allocations predicts, its risk, and the reason read from what was alive at the peak.

#include "MeasuredAccuracy.h"
#include "PeakSimulator.h"
#include "Recommendation.h"

#include "core/Analysis.h"
#include "core/Store.h"

namespace memoscope {

// The order advice() lists its recommendations in, in words, for the CLI's `advise` and the desktop app.
QString recommendationOrder();

class Advisor {
public:
    // `run` must hold its events (Store::load(id, true)) and outlive the advisor. `measured`: what optimizations
    // of the same model measured (measuredAccuracies()), which replaces the accuracy priors of the same steps.
    explicit Advisor(const StoredRun& run, QVector<MeasuredAccuracy> measured = {});

    Advice advice() const;

    const PeakSimulator& simulator() const { return m_simulator; }
    const RunConfig& config() const { return m_run.summary.config; }
    qint64 measuredPeakBytes() const { return m_analysis.peakBytes; }
    // Top-level layers worth checkpointing (training): of those keeping more activations than their output,
    // the fewest whose checkpointing gives the lowest predicted peak. Checkpointing a layer whose backward
    // comes late, when every gradient exists, can raise the peak instead.
    QStringList checkpointCandidates() const { return m_checkpointLayers; }
    // The share of a step spent in the forward of these top-level layers, which checkpointing runs twice.
    double recomputeFraction(const QStringList& layers) const;
    // The plan's risk, with the recomputation its checkpointing costs on this run.
    Risk riskOf(const Plan& plan) const;

private:
    qint64 atPeak(Category category, const std::function<bool(const Layer&)>& which) const;
    Recommendation recommend(Lever lever, const QString& technique, const QString& settings, const Plan& plan) const;
    void addPrecisionLevers(QVector<Recommendation>* list, QStringList* notes) const;
    void addPruningLevers(QVector<Recommendation>* list) const;
    void addTrainingLevers(QVector<Recommendation>* list, QStringList* notes) const;
    void addDataLevers(QVector<Recommendation>* list) const;
    void addDataParallelLevers(QVector<Recommendation>* list, QStringList* notes) const;

    const StoredRun& m_run;
    RunAnalysis m_analysis;
    LiveBreakdown m_atPeak;
    PeakSimulator m_simulator;
    QStringList m_checkpointLayers;
    QVector<MeasuredAccuracy> m_measured;

    QStringList chooseCheckpointLayers() const;
};

// The measured peak's share, for reasons: "71 %".
QString percentOf(qint64 part, qint64 whole);

} // namespace memoscope
