#pragma once
// Runs and run lists made up for the item model tests, and small helpers to read the models back.

#include "core/Store.h"

#include <QAbstractItemModel>
#include <QAbstractItemModelTester>
#include <QColor>
#include <QStringList>
#include <QVector>

namespace memoscope::test {

inline constexpr qint64 MiB = qint64(1024) * 1024;
inline const auto QtTestReporting = QAbstractItemModelTester::FailureReportingMode::QtTest;

Layer layer(qint32 id, const QString& path, const QString& type, qint32 parent, qint64 paramBytes = 0,
    qint64 forwardNs = 0, qint64 backwardNs = 0);

// ids of sampleRun()'s layers
enum { Root, Features, Conv, Relu, Classifier, Dropout, Linear, Loss };

// A small CNN trained for two iterations: <root> { features { 0: Conv2d, 1: ReLU }, classifier { 0: Dropout,
// 1: Linear } }, plus the "<loss>" pseudo-layer, another root. The classifier owns most at the peak although it
// comes last.
StoredRun sampleRun(qint64 id = 1, const QString& name = QStringLiteral("baseline"));
RunSummary summary(qint64 id, const QString& name, const QString& modelPath, RunStatus status, qint64 peakBytes,
    const QDateTime& createdAt);
QVector<RunSummary> sampleRunList();
QVector<StoredRun> threeRuns(); // a baseline, a smaller and a larger run

QColor background(const QModelIndex& index);
QString parseError(const QString& spec); // InputSpec::parse's error, empty when it parses
QStringList childNames(const QAbstractItemModel& model, const QModelIndex& parent);

} // namespace memoscope::test
