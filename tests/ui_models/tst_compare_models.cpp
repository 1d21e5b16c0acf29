// Runs side by side: the metrics with their differences, and the per-layer difference of two runs.
#include "SampleRuns.h"
#include "core/ByteFormat.h"
#include "ui/models/CompareModel.h"
#include "ui/models/LayerDiffModel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
// The CompareModel row of a metric, or -1.
int rowOfMetric(const QAbstractItemModel& model, const QString& name)
{
    for (int row = 0; row < model.rowCount(); ++row)
        if (model.index(row, CompareModel::MetricColumn).data().toString() == name)
            return row;
    return -1;
}
}

class TestCompareModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // CompareModel

    void compareModelPassesTheModelTester()
    {
        const QVector<StoredRun> runs = threeRuns();
        CompareModel model;
        QAbstractItemModelTester tester(&model, QtTestReporting);
        model.resetData(runs.mid(0, 1));
        QCOMPARE(model.columnCount(), 2);
        model.resetData(runs.mid(0, 2));
        QCOMPARE(model.columnCount(), 4);
        model.resetData(runs);
        QCOMPARE(model.columnCount(), 6);
        QCOMPARE(model.rowCount(), CompareModel::metrics().size());
        model.clearData();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.runCount(), 0);
    }

    // LayerDiffModel

    // Run 2 is run 1 after an optimization: the Linear keeps a quarter of its bytes, the conv holds more at the
    // peak, the Dropout is gone and a quantize stub is new.
    static StoredRun optimizedSampleRun()
    {
        StoredRun run = sampleRun(2, QStringLiteral("optimized"));
        run.trace.layers[Linear].paramBytes = 500;
        run.trace.layers[Linear].type = QStringLiteral("DynamicQuantizedLinear");
        run.layerStats[Linear] = { 800, 5000, 500 };
        run.layerStats[Conv] = { 5000, 9000, 1000 };
        run.trace.layers[Dropout].path = QStringLiteral("quant");
        run.trace.layers[Dropout].parentId = Root;
        run.trace.layers[Dropout].type = QStringLiteral("QuantStub");
        run.layerStats[Dropout] = { 64, 64, 0 };
        return run;
    }

    void layerDiffPassesTheModelTester()
    {
        LayerDiffModel model;
        QAbstractItemModelTester tester(&model, QtTestReporting);
        model.resetData(sampleRun(1), optimizedSampleRun());
        QVERIFY(model.rowCount() > 0);
        QCOMPARE(model.columnCount(), int(LayerDiffModel::ColumnCount));
        QSortFilterProxyModel proxy;
        proxy.setSortRole(LayerDiffModel::SortRole);
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QtTestReporting);
        proxy.sort(LayerDiffModel::ParamDeltaColumn);
        model.clearData();
        QCOMPARE(model.rowCount(), 0);
    }

    void layerDiffListsTheLargestChangeFirst()
    {
        LayerDiffModel model;
        model.resetData(sampleRun(1), optimizedSampleRun());
        auto cell = [&](int row, int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };
        QCOMPARE(cell(0, LayerDiffModel::LayerColumn).toString(), QStringLiteral("classifier.1"));
        QCOMPARE(cell(0, LayerDiffModel::TypeColumn).toString(), QStringLiteral("Linear → DynamicQuantizedLinear"));
        QCOMPARE(cell(0, LayerDiffModel::PeakDeltaColumn, LayerDiffModel::SortRole).toLongLong(), -15000);
        QCOMPARE(cell(0, LayerDiffModel::ParamDeltaColumn, LayerDiffModel::SortRole).toLongLong(), -1500);
        QCOMPARE(background(model.index(0, LayerDiffModel::PeakDeltaColumn)), CompareModel::improvementColor());
        QStringList paths;
        for (int row = 0; row < model.rowCount(); ++row)
            paths << cell(row, LayerDiffModel::LayerColumn).toString();
        const int conv = int(paths.indexOf(QStringLiteral("features.0")));
        QVERIFY(conv > 0);
        QCOMPARE(cell(conv, LayerDiffModel::PeakDeltaColumn, LayerDiffModel::SortRole).toLongLong(), 1000);
        QCOMPARE(background(model.index(conv, LayerDiffModel::PeakDeltaColumn)), CompareModel::regressionColor());
        // A layer only one run has: marked, and "-" where the other run has no figure.
        const int gone = int(paths.indexOf(QStringLiteral("classifier.0 (only in #1)")));
        const int added = int(paths.indexOf(QStringLiteral("quant (only in #2)")));
        QVERIFY2(added >= 0, qPrintable(paths.join(QStringLiteral(", "))));
        QCOMPARE(cell(added, LayerDiffModel::PeakAColumn).toString(), QStringLiteral("-"));
        QCOMPARE(cell(added, LayerDiffModel::LayerColumn, LayerDiffModel::PathRole).toString(), QStringLiteral("quant"));
        QVERIFY2(gone >= 0, qPrintable(paths.join(QStringLiteral(", ")))); // held nothing, but is gone: listed
        QCOMPARE(cell(gone, LayerDiffModel::PeakBColumn).toString(), QStringLiteral("-"));
        // Unchanged layers (the ReLU) are not listed.
        QVERIFY(!paths.contains(QStringLiteral("features.1")));
        QCOMPARE(model.headerData(LayerDiffModel::PeakBColumn, Qt::Horizontal).toString(), QStringLiteral("At peak #2"));
    }

    void compareModelHasEveryMetric()
    {
        CompareModel model;
        model.resetData(threeRuns().mid(0, 1));
        QStringList expected = { QStringLiteral("Peak"), QStringLiteral("Parameters"), QStringLiteral("Iteration"),
            QStringLiteral("Accuracy"), QStringLiteral("Top-1 agreement") };
        for (Category category : allCategories())
            expected << QStringLiteral("At peak: %1").arg(categoryLabel(category));
        expected << QStringLiteral("Allocated") << QStringLiteral("Process peak RSS")
                 << QStringLiteral("Events") << QStringLiteral("Attributed");
        QCOMPARE(childNames(model, {}), expected);
        const auto value
            = [&](const QString& metric) { return model.index(rowOfMetric(model, metric), model.runColumn(0)); };
        QCOMPARE(value(QStringLiteral("Peak")).data().toString(), QStringLiteral("48.0 MiB"));
        QCOMPARE(value(QStringLiteral("Peak")).data(CompareModel::SortRole).toDouble(), double(48 * MiB));
        QCOMPARE(value(QStringLiteral("Parameters")).data(CompareModel::SortRole).toDouble(), 6000.0);
        QCOMPARE(value(QStringLiteral("At peak: optimizer state")).data(CompareModel::SortRole).toDouble(), 12000.0);
        QCOMPARE(value(QStringLiteral("Iteration")).data().toString(), QStringLiteral("10.00 ms"));
        QCOMPARE(value(QStringLiteral("Events")).data().toString(), QStringLiteral("1000"));
        QCOMPARE(value(QStringLiteral("Attributed")).data().toString(), QStringLiteral("95.0 %"));
        QCOMPARE(value(QStringLiteral("Process peak RSS")).data().toString(), QStringLiteral("300 MiB"));
        QCOMPARE(value(QStringLiteral("Accuracy")).data().toString(), QStringLiteral("-")); // nothing measured it
    }

    // `optimize` measured the original's accuracy and the result's: both columns show them, the original's
    // taken from the optimized run's record.
    void compareModelShowsWhatAnOptimizationMeasured()
    {
        QVector<StoredRun> runs = threeRuns().mid(0, 2);
        OptimizationRecord record;
        record.baselineRunId = runs[0].summary.id;
        record.accuracyByStep = { { QStringLiteral("original"), 0.997 }, { QStringLiteral("prune-structured=0.5"), 0.761 },
            { QStringLiteral("distill"), 0.989 } };
        FidelityReport fidelity;
        fidelity.top1Agreement = 0.98;
        record.fidelity = fidelity;
        runs[1].optimization = record;
        CompareModel model;
        model.resetData(runs);
        const int accuracy = rowOfMetric(model, QStringLiteral("Accuracy"));
        const int agreement = rowOfMetric(model, QStringLiteral("Top-1 agreement"));
        QCOMPARE(model.index(accuracy, model.runColumn(0)).data().toString(), QStringLiteral("99.7 %"));
        QCOMPARE(model.index(accuracy, model.runColumn(1)).data().toString(), QStringLiteral("98.9 %"));
        QCOMPARE(model.index(accuracy, model.deltaColumn(1)).data().toString(), QStringLiteral("-0.8 pp (-0.8 %)"));
        QCOMPARE(background(model.index(accuracy, model.deltaColumn(1))), CompareModel::regressionColor());
        QCOMPARE(model.index(agreement, model.runColumn(0)).data().toString(), QStringLiteral("100.0 %"));
        QCOMPARE(model.index(agreement, model.runColumn(1)).data().toString(), QStringLiteral("98.0 %"));
        // Without the original among the runs, its figures are unknown.
        model.resetData({ runs[1] });
        QCOMPARE(model.index(accuracy, model.runColumn(0)).data().toString(), QStringLiteral("98.9 %"));
        runs[1].optimization->baselineRunId = 99;
        model.resetData(runs);
        QCOMPARE(model.index(accuracy, model.runColumn(0)).data().toString(), QStringLiteral("-"));
    }

    void compareModelHeaders()
    {
        CompareModel model;
        model.resetData(threeRuns());
        QCOMPARE(model.runCount(), 3);
        QCOMPARE(model.headerData(CompareModel::MetricColumn, Qt::Horizontal).toString(), QStringLiteral("Metric"));
        QCOMPARE(model.headerData(model.runColumn(0), Qt::Horizontal).toString(), QStringLiteral("#1 baseline"));
        // No name: the model's file name.
        QCOMPARE(model.headerData(model.runColumn(1), Qt::Horizontal).toString(), QStringLiteral("#2 digits_cnn.pt"));
        QCOMPARE(model.headerData(model.runColumn(2), Qt::Horizontal).toString(), QStringLiteral("#3 bigger batch"));
        QCOMPARE(model.deltaColumn(1), 4);
        QCOMPARE(model.deltaColumn(2), 5);
        QCOMPARE(model.headerData(model.deltaColumn(1), Qt::Horizontal).toString(), QStringLiteral("Δ vs #1"));
        QCOMPARE(model.headerData(model.deltaColumn(2), Qt::Horizontal).toString(), QStringLiteral("Δ vs #1"));
        QVERIFY(model.headerData(model.deltaColumn(2), Qt::Horizontal, Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("#3 bigger batch")));
    }

    void compareModelShowsDifferences_data()
    {
        QTest::addColumn<int>("runCount");
        QTest::addColumn<QString>("metric");
        QTest::addColumn<int>("runIndex");
        QTest::addColumn<QString>("text");
        QTest::addColumn<double>("difference");
        QTest::addColumn<QColor>("colour");
        const QColor better = CompareModel::improvementColor();
        const QColor worse = CompareModel::regressionColor();
        const QString peak = QStringLiteral("Peak");
        const QString iteration = QStringLiteral("Iteration");
        const QString attributed = QStringLiteral("Attributed");
        const QString output = QStringLiteral("At peak: output");
        QTest::newRow("2 runs: lower peak is better")
            << 2 << peak << 1 << QStringLiteral("-12.0 MiB (-25.0 %)") << double(-12 * MiB) << better;
        QTest::newRow("2 runs: slower is worse")
            << 2 << iteration << 1 << QStringLiteral("+2.50 ms (+25.0 %)") << 2.5 << worse;
        QTest::newRow("2 runs: less attributed is worse")
            << 2 << attributed << 1 << QStringLiteral("-5.0 pp (-5.3 %)") << -0.05 << worse;
        QTest::newRow("2 runs: equal is uncoloured")
            << 2 << QStringLiteral("Parameters") << 1 << QStringLiteral("0 B (0.0 %)") << 0.0 << QColor();
        QTest::newRow("2 runs: equal counts")
            << 2 << QStringLiteral("Events") << 1 << QStringLiteral("0 (0.0 %)") << 0.0 << QColor();
        QTest::newRow("3 runs: second run")
            << 3 << peak << 1 << QStringLiteral("-12.0 MiB (-25.0 %)") << double(-12 * MiB) << better;
        QTest::newRow("3 runs: higher peak is worse")
            << 3 << peak << 2 << QStringLiteral("+12.0 MiB (+25.0 %)") << double(12 * MiB) << worse;
        QTest::newRow("3 runs: faster is better")
            << 3 << iteration << 2 << QStringLiteral("-2.00 ms (-20.0 %)") << -2.0 << better;
        QTest::newRow("3 runs: from nothing, no relative change")
            << 3 << output << 2 << QStringLiteral("+1.00 KiB") << 1024.0 << worse;
        QTest::newRow("3 runs: ten times or more, a ratio")
            << 3 << QStringLiteral("At peak: activation") << 2 << QStringLiteral("+46.4 KiB (×20)") << 47500.0 << worse;
    }

    void compareModelShowsDifferences()
    {
        QFETCH(int, runCount);
        QFETCH(QString, metric);
        QFETCH(int, runIndex);
        QFETCH(QString, text);
        QFETCH(double, difference);
        QFETCH(QColor, colour);
        CompareModel model;
        model.resetData(threeRuns().mid(0, runCount));
        QCOMPARE(model.columnCount(), 1 + runCount + runCount - 1);
        const int row = rowOfMetric(model, metric);
        QVERIFY(row >= 0);
        const QModelIndex cell = model.index(row, model.deltaColumn(runIndex));
        QCOMPARE(cell.data().toString(), text);
        QCOMPARE(cell.data(CompareModel::SortRole).toDouble(), difference);
        QCOMPARE(background(cell), colour);
        // Run columns themselves are never coloured.
        QCOMPARE(background(model.index(row, model.runColumn(runIndex))), QColor());
    }
    // Issue 18: "+72 KiB (0.0 %)" was coloured red. A change below 1 % of the baseline is neutral, in the
    // metrics and in the layer differences.
    void aChangeBelowOnePercentIsNeutral()
    {
        QVector<StoredRun> runs = threeRuns().mid(0, 2);
        runs[1].metrics.peakBytes = runs[0].metrics.peakBytes + 72 * 1024; // +0.15 %
        CompareModel model;
        model.resetData(runs);
        const QModelIndex peak = model.index(rowOfMetric(model, QStringLiteral("Peak")), model.deltaColumn(1));
        QCOMPARE(peak.data().toString(), QStringLiteral("+72.0 KiB (+0.1 %)"));
        QCOMPARE(background(peak), QColor());
        QVERIFY(peak.data(Qt::ToolTipRole).toString().contains(QStringLiteral("neither better nor worse")));
        runs[1].metrics.peakBytes = runs[0].metrics.peakBytes + runs[0].metrics.peakBytes / 50; // +2 %
        model.resetData(runs);
        QCOMPARE(background(peak), CompareModel::regressionColor());

        StoredRun grown = sampleRun(2);
        grown.layerStats[Conv].peakContributionBytes += 40; // +0.5 % of the conv's 8000 B
        grown.layerStats[Linear].peakContributionBytes += 4000;
        LayerDiffModel layers;
        layers.resetData(sampleRun(1), grown);
        QCOMPARE(layers.rowCount(), 2);
        for (int row = 0; row < 2; ++row) {
            const QModelIndex delta = layers.index(row, LayerDiffModel::PeakDeltaColumn);
            const bool small = delta.data(LayerDiffModel::SortRole).toLongLong() == 40;
            QCOMPARE(background(delta), small ? QColor() : CompareModel::regressionColor());
        }
    }

    // Each run's iteration times show as median (min–max); a difference inside the wider spread is "within
    // noise", not a speed-up.
    void iterationTimesShowTheirSpreadAndNoise()
    {
        QVector<StoredRun> runs = threeRuns().mid(0, 2);
        runs[0].metrics.iterationMs = { 9.0, 10.0, 16.0 };
        runs[0].metrics.iterationMsMedian = 10.0;
        runs[1].metrics.iterationMs = { 12.0, 12.5, 13.0 };
        runs[1].metrics.iterationMsMedian = 12.5;
        CompareModel model;
        model.resetData(runs);
        const int row = rowOfMetric(model, QStringLiteral("Iteration"));
        QCOMPARE(model.index(row, model.runColumn(0)).data().toString(), QStringLiteral("10.00 ms (9.0–16.0)"));
        QVERIFY(model.index(row, model.runColumn(1)).data(Qt::ToolTipRole).toString().contains(
            QStringLiteral("min 12.00 ms, median 12.50 ms, max 13.00 ms")));
        const QModelIndex delta = model.index(row, model.deltaColumn(1));
        QCOMPARE(delta.data().toString(), QStringLiteral("+2.50 ms (+25.0 %) within noise"));
        QCOMPARE(background(delta), QColor());
        // Both runs steady: the same difference is a regression.
        runs[0].metrics.iterationMs = { 9.8, 10.0, 10.2 };
        model.resetData(runs);
        QCOMPARE(delta.data().toString(), QStringLiteral("+2.50 ms (+25.0 %)"));
        QCOMPARE(background(delta), CompareModel::regressionColor());
    }

    // Runs measured minutes apart say so; runs measured together (an optimization and its original) do not.
    void runsMeasuredApartAreNamed()
    {
        const QDateTime start(QDate(2026, 12, 1), QTime(10, 0));
        QVector<RunSummary> runs(3);
        for (int i = 0; i < 3; ++i) {
            runs[i].id = i + 2;
            runs[i].createdAt = start.addSecs(10 * i);
            runs[i].finishedAt = start.addSecs(10 * i + 8);
        }
        QCOMPARE(measuredApartNote(runs), QString());
        runs[2].createdAt = start.addSecs(12 * 60);
        runs[2].finishedAt = start.addSecs(13 * 60);
        const QString note = measuredApartNote(runs);
        QVERIFY2(note.startsWith(QStringLiteral("Runs #2 and #4 were measured 11 min apart")), qPrintable(note));
    }
};

QTEST_GUILESS_MAIN(TestCompareModels)
#include "tst_compare_models.moc"
