#pragma once
// Any number of runs side by side: a metrics table (peak, parameters, file size, latency, fidelity, accuracy)
// with each run's difference from the first, and the per-layer differences of every run against the first.
// Plain values for the CLI, reports and the GUI's comparison view.

#include "LayerDiff.h"
#include "RankComparison.h"

#include <QJsonObject>
#include <optional>

namespace memoscope {

enum class MetricUnit { Bytes, Count, Milliseconds, Fraction };

struct MetricRow {
    QString key; // "peak_bytes"
    QString label; // "Peak"
    MetricUnit unit = MetricUnit::Bytes;
    bool lowerIsBetter = true;
    QVector<std::optional<double>> values; // one per run; empty when the run has no such figure
    std::optional<double> differenceFromFirst(int run) const;
};

struct ComparedRun {
    qint64 runId = -1;
    QString label; // "3 mlp.pt / optimized: int8-dynamic"
};

struct RunComparison {
    QVector<ComparedRun> runs;
    QVector<MetricRow> metrics;
    QVector<QVector<LayerDifference>> layerDifferences; // [i]: run i + 1 minus the first run
    std::optional<RankComparison> ranks; // when the runs are the ranks of one distributed job

    QJsonObject toJson() const;
};

RunComparison compareRuns(const QVector<StoredRun>& runs);

} // namespace memoscope
