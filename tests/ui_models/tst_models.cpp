// The run list, layer tree and peak models, each through QAbstractItemModelTester and against made-up runs.
#include "SampleRuns.h"
#include "core/ByteFormat.h"
#include "ui/models/LayerTreeModel.h"
#include "ui/models/PeakModel.h"
#include "ui/models/RecommendationModel.h"
#include "core/advisor/AdviceReport.h"
#include "core/advisor/Advisor.h"
#include "ui/models/RunListModel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // RunListModel

    void runListPassesTheModelTester()
    {
        RunListModel model;
        QAbstractItemModelTester tester(&model, QtTestReporting);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(RunListModel::SortRole);
        proxy.sort(RunListModel::PeakColumn, Qt::DescendingOrder);
        QAbstractItemModelTester proxyTester(&proxy, QtTestReporting);
        model.resetData(sampleRunList());
        QCOMPARE(model.rowCount(), 4);
        model.resetData(sampleRunList().mid(1));
        QCOMPARE(proxy.rowCount(), 3);
        model.clearData();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(proxy.rowCount(), 0);
    }

    void runListShowsEachRun()
    {
        RunListModel model;
        model.resetData(sampleRunList());
        const int row = model.rowOfRun(1);
        QCOMPARE(row, 2);
        const auto cell = [&](int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };
        QCOMPARE(cell(RunListModel::IdColumn).toLongLong(), qint64(1));
        QCOMPARE(cell(RunListModel::NameColumn).toString(), QStringLiteral("baseline"));
        QCOMPARE(cell(RunListModel::ModelColumn).toString(), QStringLiteral("digits_cnn.pt"));
        QCOMPARE(cell(RunListModel::ModelColumn, Qt::ToolTipRole).toString(), QStringLiteral("/models/digits_cnn.pt"));
        QCOMPARE(cell(RunListModel::ModeColumn).toString(), QStringLiteral("train (adam)"));
        QCOMPARE(cell(RunListModel::StatusColumn).toString(), QStringLiteral("complete"));
        QCOMPARE(cell(RunListModel::PeakColumn).toString(), formatBytes(40000));
        QCOMPARE(cell(RunListModel::PeakColumn, RunListModel::SortRole).toLongLong(), qint64(40000));
        QCOMPARE(cell(RunListModel::IterationColumn).toString(), QStringLiteral("12.35 ms"));
        QCOMPARE(cell(RunListModel::CreatedColumn).toString(), QStringLiteral("2024-03-01 10:00"));
        QCOMPARE(cell(RunListModel::CreatedColumn, RunListModel::SortRole).toLongLong(),
            QDateTime(QDate(2024, 3, 1), QTime(10, 0)).toMSecsSinceEpoch());
        QCOMPARE(cell(RunListModel::IdColumn, RunListModel::RunIdRole).toLongLong(), qint64(1));
        QCOMPARE(cell(RunListModel::IdColumn, RunListModel::StatusRole).toInt(), int(RunStatus::Complete));
        QVERIFY(!cell(RunListModel::StatusColumn, Qt::ForegroundRole).isValid());
        QCOMPARE(
            model.index(model.rowOfRun(2), RunListModel::ModeColumn).data().toString(), QStringLiteral("inference"));

        QCOMPARE(model.runAt(row).name, QStringLiteral("baseline"));
        QCOMPARE(model.runAt(99).id, qint64(-1));
        QCOMPARE(model.rowOfRun(42), -1);
    }

    void runListMarksFailedRuns_data()
    {
        QTest::addColumn<qint64>("runId");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("error");
        QTest::newRow("failed") << qint64(2) << QStringLiteral("failed")
                                << QStringLiteral("the model failed: size mismatch");
        QTest::newRow("oom") << qint64(3) << QStringLiteral("oom") << QStringLiteral("out of memory in layer1.0.conv1");
    }

    void runListMarksFailedRuns()
    {
        QFETCH(qint64, runId);
        QFETCH(QString, status);
        QFETCH(QString, error);
        RunListModel model;
        model.resetData(sampleRunList());
        const int row = model.rowOfRun(runId);
        const QModelIndex statusCell = model.index(row, RunListModel::StatusColumn);
        QCOMPARE(statusCell.data().toString(), status);
        QVERIFY(statusCell.data(Qt::ForegroundRole).value<QBrush>().color().isValid());
        QCOMPARE(statusCell.data(Qt::ToolTipRole).toString(), error);
        QCOMPARE(model.index(row, RunListModel::PeakColumn).data().toString(), QStringLiteral("-"));
        QCOMPARE(model.index(row, RunListModel::StatusColumn).data(RunListModel::StatusRole).toInt(),
            int(model.runAt(row).status));
    }

    void runListSortsByRawValues()
    {
        RunListModel model;
        model.resetData(sampleRunList());
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(RunListModel::SortRole);
        const auto idAt = [&](int row) { return proxy.index(row, 0).data(RunListModel::RunIdRole).toLongLong(); };

        // 2 MiB > 40000 B although "39.06 KiB" > "2.00 MiB" as text; unfinished runs go last.
        proxy.sort(RunListModel::PeakColumn, Qt::DescendingOrder);
        QCOMPARE(idAt(0), qint64(4));
        QCOMPARE(idAt(1), qint64(1));
        QCOMPARE(model.index(model.rowOfRun(3), RunListModel::PeakColumn).data(RunListModel::SortRole).toLongLong(),
            qint64(-1));

        proxy.sort(RunListModel::CreatedColumn, Qt::AscendingOrder);
        QCOMPARE(idAt(0), qint64(4)); // the day before
        QCOMPARE(idAt(1), qint64(1));
        QCOMPARE(idAt(3), qint64(3));
    }

    void runListRenameIsRequestedNotStored()
    {
        RunListModel model;
        model.resetData(sampleRunList());
        QSignalSpy spy(&model, &RunListModel::renameRequested);
        const QModelIndex name = model.index(model.rowOfRun(1), RunListModel::NameColumn);
        QVERIFY(model.flags(name) & Qt::ItemIsEditable);
        QVERIFY(!(model.flags(model.index(0, RunListModel::PeakColumn)) & Qt::ItemIsEditable));

        QVERIFY(model.setData(name, QStringLiteral("adam, lr 0.01")));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy[0][0].toLongLong(), qint64(1));
        QCOMPARE(spy[0][1].toString(), QStringLiteral("adam, lr 0.01"));
        QCOMPARE(name.data().toString(), QStringLiteral("baseline")); // the store renames, then the model resets

        QVERIFY(!model.setData(name, QStringLiteral("baseline")));
        QVERIFY(!model.setData(model.index(0, RunListModel::ModelColumn), QStringLiteral("x.pt")));
        QCOMPARE(spy.size(), 1);
    }

    // LayerTreeModel

    void layerTreePassesTheModelTester()
    {
        const StoredRun run = sampleRun();
        LayerTreeModel model;
        QAbstractItemModelTester tester(&model, QtTestReporting);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(LayerTreeModel::SortRole);
        proxy.sort(LayerTreeModel::PeakColumn, Qt::DescendingOrder);
        QAbstractItemModelTester proxyTester(&proxy, QtTestReporting);
        model.resetData(run.trace.layers, run.layerStats, 2);
        QCOMPARE(model.rowCount(), 2);
        model.resetData(run.trace.layers.mid(0, 3), run.layerStats.mid(0, 3), 2);
        QCOMPARE(proxy.rowCount(), 1);
        model.clearData();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(proxy.rowCount(), 0);
    }

    void layerTreeFollowsTheModuleHierarchy()
    {
        const StoredRun run = sampleRun();
        LayerTreeModel model;
        model.resetData(run.trace.layers, run.layerStats, 2);
        QCOMPARE(childNames(model, {}), (QStringList { QStringLiteral("<root>"), QStringLiteral("<loss>") }));
        const QModelIndex root = model.index(0, 0);
        QCOMPARE(childNames(model, root), (QStringList { QStringLiteral("features"), QStringLiteral("classifier") }));
        const QModelIndex features = model.index(0, 0, root);
        QCOMPARE(childNames(model, features), (QStringList { QStringLiteral("0"), QStringLiteral("1") }));
        QCOMPARE(model.parent(model.index(1, 0, features)), features);
        const QModelIndex classifier = model.index(1, 0, root);
        QCOMPARE(childNames(model, classifier), (QStringList { QStringLiteral("0"), QStringLiteral("1") }));
        QCOMPARE(model.parent(model.index(1, 0, classifier)), classifier);
        QCOMPARE(model.parent(model.indexOfLayer(Linear)).row(), 1);
        QCOMPARE(model.parent(features), root);
        QVERIFY(!model.parent(root).isValid());
        QCOMPARE(model.rowCount(model.index(1, 0)), 0); // the loss
        QCOMPARE(model.index(0, LayerTreeModel::TypeColumn, features).data().toString(), QStringLiteral("Conv2d"));
    }

    void layerTreeFiguresIncludeChildren_data()
    {
        QTest::addColumn<int>("layerId");
        QTest::addColumn<qint64>("params");
        QTest::addColumn<qint64>("atPeak");
        QTest::addColumn<qint64>("allocated");
        QTest::addColumn<double>("forwardMs");
        QTest::newRow("conv, a leaf") << int(Conv) << qint64(4000) << qint64(8000) << qint64(5000) << 2.0;
        QTest::newRow("features") << int(Features) << qint64(4000) << qint64(9000) << qint64(6000) << 2.5;
        QTest::newRow("root, without the loss") << int(Root) << qint64(6000) << qint64(29000) << qint64(9100) << 4.0;
        QTest::newRow("classifier") << int(Classifier) << qint64(2000) << qint64(20000) << qint64(3000) << 1.0;
        QTest::newRow("loss, a root of its own") << int(Loss) << qint64(0) << qint64(10) << qint64(10) << 0.25;
    }

    void layerTreeFiguresIncludeChildren()
    {
        QFETCH(int, layerId);
        QFETCH(qint64, params);
        QFETCH(qint64, atPeak);
        QFETCH(qint64, allocated);
        QFETCH(double, forwardMs);
        const StoredRun run = sampleRun();
        LayerTreeModel model;
        model.resetData(run.trace.layers, run.layerStats, 2);
        const QModelIndex name = model.indexOfLayer(layerId);
        const auto cell = [&](int column) { return name.siblingAtColumn(column); };
        QCOMPARE(cell(LayerTreeModel::ParamsColumn).data(LayerTreeModel::SortRole).toLongLong(), params);
        QCOMPARE(cell(LayerTreeModel::PeakColumn).data(LayerTreeModel::SortRole).toLongLong(), atPeak);
        QCOMPARE(cell(LayerTreeModel::PeakColumn).data().toString(), formatBytes(atPeak));
        QCOMPARE(cell(LayerTreeModel::AllocatedColumn).data(LayerTreeModel::SortRole).toLongLong(), allocated);
        QCOMPARE(cell(LayerTreeModel::ForwardColumn).data(LayerTreeModel::SortRole).toDouble(), forwardMs);
        QCOMPARE(
            cell(LayerTreeModel::ForwardColumn).data().toString(), QStringLiteral("%1 ms").arg(forwardMs, 0, 'f', 2));
        QCOMPARE(cell(LayerTreeModel::PeakColumn).data(Qt::TextAlignmentRole).toInt(),
            int(Qt::AlignRight | Qt::AlignVCenter));

        // The tooltip names the whole path and the layer's own share.
        const QString toolTip = name.data(Qt::ToolTipRole).toString();
        QVERIFY2(toolTip.startsWith(run.trace.layers[layerId].displayPath()), qPrintable(toolTip));
        const qint64 ownPeak = run.layerStats[layerId].peakContributionBytes;
        QVERIFY2(toolTip.contains(QStringLiteral("At peak ") + formatBytes(ownPeak)), qPrintable(toolTip));
    }

    void layerTreeFindsEveryLayer()
    {
        const StoredRun run = sampleRun();
        LayerTreeModel model;
        model.resetData(run.trace.layers, run.layerStats, 2);
        for (const Layer& layer : run.trace.layers) {
            const QModelIndex index = model.indexOfLayer(layer.id);
            QVERIFY(index.isValid());
            QCOMPARE(index.column(), 0);
            QCOMPARE(model.layerIdAt(index), layer.id);
            QCOMPARE(index.data(LayerTreeModel::LayerIdRole).toInt(), layer.id);
            QCOMPARE(model.layerIdAt(index.siblingAtColumn(LayerTreeModel::PeakColumn)), layer.id);
            QCOMPARE(model.layerIdAt(model.parent(index)), layer.parentId);
        }
        QVERIFY(!model.indexOfLayer(99).isValid());
        QVERIFY(!model.indexOfLayer(-1).isValid());
        QCOMPARE(model.layerIdAt({}), -1);
    }

    void layerTreeSortsWithinEachParent()
    {
        const StoredRun run = sampleRun();
        LayerTreeModel model;
        model.resetData(run.trace.layers, run.layerStats, 2);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(LayerTreeModel::SortRole);
        proxy.sort(LayerTreeModel::PeakColumn, Qt::DescendingOrder);

        // The classifier (20000 B) comes after the features (9000 B) in the model but first by peak.
        const QModelIndex root = proxy.index(0, 0);
        QCOMPARE(model.layerIdAt(root), int(Root));
        QCOMPARE(childNames(proxy, root), (QStringList { QStringLiteral("classifier"), QStringLiteral("features") }));
        QCOMPARE(model.layerIdAt(proxy.index(0, 0, root)), int(Classifier));
        const QModelIndex features = proxy.index(1, 0, root);
        QCOMPARE(childNames(proxy, features), (QStringList { QStringLiteral("0"), QStringLiteral("1") }));

        proxy.sort(LayerTreeModel::PeakColumn, Qt::AscendingOrder);
        QCOMPARE(childNames(proxy, proxy.index(1, 0)),
            (QStringList { QStringLiteral("features"), QStringLiteral("classifier") }));
        QCOMPARE(childNames(proxy, {}), (QStringList { QStringLiteral("<loss>"), QStringLiteral("<root>") }));
    }

    // PeakModel

    void peakModelPassesTheModelTester_data()
    {
        QTest::addColumn<int>("grouping");
        QTest::newRow("by category") << int(PeakModel::Grouping::ByCategory);
        QTest::newRow("by layer") << int(PeakModel::Grouping::ByLayer);
    }

    void peakModelPassesTheModelTester()
    {
        QFETCH(int, grouping);
        PeakModel model { PeakModel::Grouping(grouping) };
        QAbstractItemModelTester tester(&model, QtTestReporting);
        StoredRun run = sampleRun();
        model.resetData(run);
        QVERIFY(model.rowCount() > 0);
        run.metrics.categoriesAtPeak[int(Category::Temporary)] = 0;
        run.layerStats[Linear].peakContributionBytes = 0;
        model.resetData(run);
        model.clearData();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.bars().isEmpty());
    }

    void peakByCategoryListsWhatWasAlive()
    {
        PeakModel model(PeakModel::Grouping::ByCategory);
        model.resetData(sampleRun());
        // Output holds nothing at the peak: no row.
        QCOMPARE(model.rowCount(), 6);
        double shares = 0;
        qint64 bytes = 0;
        for (int row = 0; row < model.rowCount(); ++row) {
            shares += model.index(row, PeakModel::ShareColumn).data(PeakModel::SortRole).toDouble();
            bytes += model.index(row, PeakModel::BytesColumn).data(PeakModel::SortRole).toLongLong();
            QCOMPARE(model.index(row, 0).data(PeakModel::LayerIdRole).toInt(), -1);
            QVERIFY(model.index(row, 0).data(PeakModel::CategoryRole).toInt() != int(Category::Output));
        }
        QCOMPARE(bytes, qint64(40000));
        QVERIFY2(qAbs(shares - 100.0) < 1e-9, qPrintable(QString::number(shares)));

        const int optimizer = 3; // parameter, gradient, activation, optimizer state, ...
        QCOMPARE(
            model.index(optimizer, PeakModel::NameColumn).data().toString(), categoryLabel(Category::OptimizerState));
        QCOMPARE(model.index(optimizer, 0).data(PeakModel::CategoryRole).toInt(), int(Category::OptimizerState));
        QCOMPARE(model.index(optimizer, PeakModel::BytesColumn).data().toString(), formatBytes(12000));
        QCOMPARE(model.index(optimizer, PeakModel::ShareColumn).data().toString(), QStringLiteral("30.0 %"));
        QCOMPARE(model.bars().size(), 6);
        QCOMPARE(model.bars()[optimizer], qMakePair(categoryLabel(Category::OptimizerState), qint64(12000)));
    }

    void peakByLayerListsOwnBytesLargestFirst()
    {
        PeakModel model(PeakModel::Grouping::ByLayer);
        model.resetData(sampleRun());
        // <root>, features and classifier own nothing themselves: their children's bytes are not counted twice.
        const QVector<QPair<QString, qint64>> expected
            = { { QStringLiteral("classifier.1"), 20000 }, { QStringLiteral("features.0"), 8000 },
                  { QStringLiteral("features.1"), 1000 }, { QStringLiteral("<loss>"), 10 } };
        QCOMPARE(model.bars(), expected);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(0, 0).data(PeakModel::LayerIdRole).toInt(), int(Linear));
        QCOMPARE(model.index(3, 0).data(PeakModel::LayerIdRole).toInt(), int(Loss));
        QCOMPARE(model.index(0, 0).data(PeakModel::CategoryRole).toInt(), -1);
        QCOMPARE(model.index(0, PeakModel::ShareColumn).data().toString(), QStringLiteral("50.0 %"));
        QCOMPARE(model.index(1, PeakModel::ShareColumn).data(PeakModel::SortRole).toDouble(), 20.0);
        QCOMPARE(model.headerData(PeakModel::NameColumn, Qt::Horizontal).toString(), QStringLiteral("Layer"));

        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(PeakModel::SortRole);
        proxy.sort(PeakModel::BytesColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("<loss>"));
    }

    // Issue 18: the advisor's list read "none risk" and was cut off at the dock's width. A table of lever, saving,
    // risk and what it changes, in the advisor's order, with the details on hover.
    void recommendationsAreATable()
    {
        Recommendation stream;
        stream.technique = QStringLiteral("stream the data set");
        stream.settings = QStringLiteral("--data-reading streamed");
        stream.predictedSavingBytes = 12 * MiB;
        stream.predictedSavingFraction = 0.25;
        stream.predictedPeakBytes = 36 * MiB;
        stream.reason = QStringLiteral("The run holds its whole data set");
        stream.risk.text = QStringLiteral("no risk: nothing changes");
        Recommendation prune = stream;
        prune.technique = QStringLiteral("unstructured pruning");
        prune.settings = QStringLiteral("prune-unstructured=0.5");
        prune.risk = unstructuredPruningRisk(0.5);
        Recommendation distill = stream;
        distill.technique = QStringLiteral("distillation");
        distill.predictedSavingBytes = 0;
        distill.risk = distillationRisk();
        RecommendationModel model;
        QAbstractItemModelTester tester(&model, QtTestReporting);
        model.resetData({ stream, prune, distill });
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(RecommendationModel::ColumnCount));
        const auto cell = [&](int row, int column, int role = Qt::DisplayRole) {
            return model.index(row, column).data(role).toString();
        };
        QCOMPARE(cell(0, RecommendationModel::LeverColumn), QStringLiteral("stream the data set"));
        QCOMPARE(cell(0, RecommendationModel::SavingColumn), QStringLiteral("12.0 MiB (25 %)"));
        QCOMPARE(cell(0, RecommendationModel::RiskColumn), QStringLiteral("no risk"));
        QCOMPARE(cell(0, RecommendationModel::ChangesColumn), QStringLiteral("nothing changes"));
        QCOMPARE(cell(1, RecommendationModel::RiskColumn), riskLevelLabel(prune.risk.level));
        QVERIFY(cell(1, RecommendationModel::RiskColumn).endsWith(QStringLiteral(" risk")));
        QVERIFY(!cell(1, RecommendationModel::ChangesColumn).contains(QStringLiteral(" risk: ")));
        QCOMPARE(cell(2, RecommendationModel::SavingColumn), QStringLiteral("no saving"));
        // On hover: what to type, why, and the whole risk.
        const QString tip = cell(1, RecommendationModel::ChangesColumn, Qt::ToolTipRole);
        QVERIFY(tip.contains(QStringLiteral("prune-unstructured=0.5")));
        QVERIFY(tip.contains(prune.risk.text));
        QVERIFY(tip.contains(prune.reason));
        // The order is the advisor's, and the header says which rule made it, in the words `advise` prints.
        QVERIFY(model.headerData(0, Qt::Horizontal, Qt::ToolTipRole).toString().contains(recommendationOrder()));
        Advice advice;
        advice.recommendations = { stream };
        QVERIFY(adviceToText(advice, QStringLiteral("m.pt")).contains(recommendationOrder()));
        QVERIFY(!adviceToText(advice, QStringLiteral("m.pt")).contains(QStringLiteral("none risk")));
        QVERIFY(adviceToText(advice, QStringLiteral("m.pt")).contains(QStringLiteral("no risk")));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
