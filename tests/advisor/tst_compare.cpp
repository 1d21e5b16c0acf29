// The comparison of runs: per-layer differences (B minus A by path, largest change first, layers only in one
// run included, unchanged ones left out) and the metrics table's differences against the first run.

#include "SyntheticRun.h"

#include "core/compare/ComparisonReport.h"
#include "core/compare/RunComparison.h"

#include <QJsonArray>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
// conv1 (4000 B of weights) -> bn (400 B) -> fc (1000 B) plus "gone" (only in A); in B conv1 is halved and
// keeps half the activations, "extra" is new, and bn and fc are unchanged.
StoredRun runA()
{
    SyntheticRun r(RunMode::Inference);
    const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
    const qint32 conv = r.layer(QStringLiteral("conv1"), QStringLiteral("Conv2d"), root, 4000);
    r.layer(QStringLiteral("bn"), QStringLiteral("BatchNorm2d"), root, 400);
    r.layer(QStringLiteral("fc"), QStringLiteral("Linear"), root, 1000);
    const qint32 gone = r.layer(QStringLiteral("gone"), QStringLiteral("ReLU"), root);
    r.alloc(800, conv, Phase::Forward, Category::Activation);
    r.alloc(100, gone, Phase::Forward, Category::Activation);
    StoredRun run = r.finish();
    run.model.paramBytes = 5400;
    run.metrics.iterationMsMedian = 2.0;
    return run;
}

StoredRun runB()
{
    SyntheticRun r(RunMode::Inference);
    const qint32 root = r.layer(QString(), QStringLiteral("Net"), -1);
    const qint32 conv = r.layer(QStringLiteral("conv1"), QStringLiteral("Conv2d"), root, 2000);
    r.layer(QStringLiteral("bn"), QStringLiteral("BatchNorm2d"), root, 400);
    r.layer(QStringLiteral("fc"), QStringLiteral("Linear"), root, 1000);
    const qint32 extra = r.layer(QStringLiteral("extra"), QStringLiteral("Identity"), root);
    r.alloc(400, conv, Phase::Forward, Category::Activation);
    r.alloc(30, extra, Phase::Forward, Category::Temporary);
    StoredRun run = r.finish();
    run.summary.id = 2;
    run.model.paramBytes = 3400;
    run.metrics.iterationMsMedian = 1.5;
    return run;
}
}

class TestCompare : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void layerDifferencesAreBMinusALargestFirst()
    {
        const QVector<LayerDifference> diff = layerDifferences(runA(), runB());
        QStringList paths;
        for (const LayerDifference& d : diff)
            paths << d.path;
        // conv1 changed by 2000 B of weights (and 2400 B at the peak), "gone" by 100 B, "extra" by 30 B;
        // bn, fc and the root did not change.
        QCOMPARE(paths, QStringList({ QStringLiteral("conv1"), QStringLiteral("gone"), QStringLiteral("extra") }));
        const LayerDifference& conv = diff[0];
        QCOMPARE(conv.paramDelta(), qint64(-2000));
        QCOMPARE(conv.peakContributionDelta(), qint64((2000 + 400) - (4000 + 800)));
        QCOMPARE(conv.activationDelta(), qint64(-400));
        QVERIFY(diff[1].a.present && !diff[1].b.present);
        QCOMPARE(diff[1].peakContributionDelta(), qint64(-100));
        QVERIFY(!diff[2].a.present && diff[2].b.present);
        QCOMPARE(diff[2].b.peakContributionBytes, qint64(30));
        QCOMPARE(diff[2].typeLabel(), QStringLiteral("Identity"));
    }

    void sameRunHasNoDifferences() { QVERIFY(layerDifferences(runA(), runA()).isEmpty()); }

    void metricsDifferFromTheFirstRun()
    {
        const RunComparison comparison = compareRuns({ runA(), runB(), runA() });
        QCOMPARE(comparison.runs.size(), 3);
        QCOMPARE(comparison.layerDifferences.size(), 2);
        QVERIFY(comparison.layerDifferences[1].isEmpty()); // the third run is the first again
        const MetricRow& peak = comparison.metrics[0];
        QCOMPARE(peak.key, QStringLiteral("peak_bytes"));
        QCOMPARE(*peak.values[0], 5400.0 + 900);
        QCOMPARE(*peak.differenceFromFirst(1), (3400.0 + 430) - (5400.0 + 900));
        QCOMPARE(*peak.differenceFromFirst(2), 0.0);
        const MetricRow& params = comparison.metrics[1];
        QCOMPARE(*params.differenceFromFirst(1), -2000.0);
        const MetricRow& latency = comparison.metrics[4];
        QCOMPARE(*latency.differenceFromFirst(1), -0.5);
        const MetricRow& accuracy = comparison.metrics[7];
        QVERIFY(!accuracy.values[0].has_value()); // none measured
        QVERIFY(!accuracy.differenceFromFirst(1).has_value());

        const QJsonObject json = comparison.toJson();
        QCOMPARE(json.value(QStringLiteral("metrics")).toArray().size(), 8);
        const QJsonArray layers = json.value(QStringLiteral("layer_differences"))
                                      .toArray()
                                      .first()
                                      .toObject()
                                      .value(QStringLiteral("layers"))
                                      .toArray();
        QCOMPARE(layers.first().toObject().value(QStringLiteral("path")).toString(), QStringLiteral("conv1"));
        QCOMPARE(layers.first().toObject().value(QStringLiteral("param_change")).toDouble(), -2000.0);

        const QString text = comparisonToText(comparison, 10);
        QVERIFY2(
            text.contains(QStringLiteral("conv1")) && text.contains(QStringLiteral("gone (gone)")), qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(TestCompare)
#include "tst_compare.moc"
