#include "core/ByteFormat.h"
#include "core/InputSpec.h"
#include "ui/models/CompareModel.h"
#include "ui/models/InputSpecModel.h"
#include "ui/models/LayerDiffModel.h"
#include "ui/models/LayerTreeModel.h"
#include "ui/models/PeakModel.h"
#include "ui/models/RunListModel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;

namespace {
constexpr qint64 MiB = qint64(1024) * 1024;

Layer layer(qint32 id, const QString& path, const QString& type, qint32 parent, qint64 paramBytes = 0,
    qint64 forwardNs = 0, qint64 backwardNs = 0)
{
    Layer l;
    l.id = id;
    l.path = path;
    l.type = type;
    l.parentId = parent;
    l.depth = parent < 0 ? 0 : 1 + int(path.count(QLatin1Char('.')));
    l.paramBytes = paramBytes;
    l.forwardNs = forwardNs;
    l.backwardNs = backwardNs;
    l.pseudo = path.startsWith(QLatin1Char('<'));
    return l;
}

// ids of sampleRun()'s layers
enum { Root, Features, Conv, Relu, Classifier, Dropout, Linear, Loss };

// A small CNN trained for two iterations: <root> { features { 0: Conv2d, 1: ReLU }, classifier { 0: Dropout,
// 1: Linear } }, plus the "<loss>" pseudo-layer, another root. The classifier owns most at the peak although it
// comes last.
StoredRun sampleRun(qint64 id = 1, const QString& name = QStringLiteral("baseline"))
{
    StoredRun run;
    run.summary.id = id;
    run.summary.name = name;
    run.summary.modelPath = QStringLiteral("/models/digits_cnn.pt");
    run.summary.status = RunStatus::Complete;
    run.summary.config.mode = RunMode::Train;
    run.model.path = run.summary.modelPath;
    run.model.paramBytes = 6000;
    run.trace.layers = {
        layer(Root, QString(), QStringLiteral("DigitsNet"), -1, 0, 1000000, 2000000),
        layer(Features, QStringLiteral("features"), QStringLiteral("Sequential"), Root),
        layer(Conv, QStringLiteral("features.0"), QStringLiteral("Conv2d"), Features, 4000, 4000000, 6000000),
        layer(Relu, QStringLiteral("features.1"), QStringLiteral("ReLU"), Features, 0, 1000000, 1000000),
        layer(Classifier, QStringLiteral("classifier"), QStringLiteral("Sequential"), Root),
        layer(Dropout, QStringLiteral("classifier.0"), QStringLiteral("Dropout"), Classifier),
        layer(Linear, QStringLiteral("classifier.1"), QStringLiteral("Linear"), Classifier, 2000, 2000000, 2000000),
        layer(Loss, QStringLiteral("<loss>"), QStringLiteral("CrossEntropyLoss"), -1, 0, 500000, 500000),
    };
    // own figures: allocated, at peak, activations
    run.layerStats = { { 100, 0, 0 }, { 0, 0, 0 }, { 5000, 8000, 1000 }, { 1000, 1000, 1000 }, { 0, 0, 0 }, { 0, 0, 0 },
        { 3000, 20000, 500 }, { 10, 10, 0 } };
    CategoryBytes& atPeak = run.metrics.categoriesAtPeak;
    atPeak[int(Category::Parameter)] = 6000;
    atPeak[int(Category::Gradient)] = 6000;
    atPeak[int(Category::Activation)] = 2500;
    atPeak[int(Category::OptimizerState)] = 12000;
    atPeak[int(Category::Input)] = 500;
    atPeak[int(Category::Output)] = 0;
    atPeak[int(Category::Temporary)] = 13000;
    run.metrics.peakBytes = 40000;
    run.metrics.totalAllocatedBytes = 9110;
    run.metrics.eventCount = 1000;
    run.metrics.attributedFraction = 0.95;
    run.metrics.iterationMsMedian = 10.0;
    run.metrics.rssPeakBytes = 300 * MiB;
    run.summary.peakBytes = run.metrics.peakBytes;
    run.summary.iterationMsMedian = run.metrics.iterationMsMedian;
    return run;
}

RunSummary summary(qint64 id, const QString& name, const QString& modelPath, RunStatus status, qint64 peakBytes,
    const QDateTime& createdAt)
{
    RunSummary run;
    run.id = id;
    run.name = name;
    run.modelPath = modelPath;
    run.status = status;
    run.peakBytes = peakBytes;
    run.iterationMsMedian = 12.3456;
    run.createdAt = createdAt;
    return run;
}

QVector<RunSummary> sampleRunList()
{
    const QDate day(2024, 3, 1);
    RunSummary train = summary(1, QStringLiteral("baseline"), QStringLiteral("/models/digits_cnn.pt"),
        RunStatus::Complete, 40000, QDateTime(day, QTime(10, 0)));
    train.config.mode = RunMode::Train;
    train.config.optimizer = OptimizerKind::Adam;
    RunSummary failed = summary(
        2, QString(), QStringLiteral("/models/resnet18.pt"), RunStatus::Failed, 0, QDateTime(day, QTime(11, 30)));
    failed.error = QStringLiteral("the model failed: size mismatch");
    RunSummary oom = summary(3, QStringLiteral("big batch"), QStringLiteral("/models/resnet18.pt"),
        RunStatus::OutOfMemory, 900 * MiB, QDateTime(day, QTime(12, 0)));
    oom.error = QStringLiteral("out of memory in layer1.0.conv1");
    RunSummary large = summary(4, QStringLiteral("large"), QStringLiteral("/models/resnet18.pt"), RunStatus::Complete,
        2 * MiB, QDateTime(day.addDays(-1), QTime(9, 0)));
    return { oom, failed, train, large };
}

QVector<StoredRun> threeRuns()
{
    StoredRun base = sampleRun(1, QStringLiteral("baseline"));
    base.metrics.peakBytes = 48 * MiB;
    StoredRun smaller = sampleRun(2, QString());
    smaller.metrics.peakBytes = 36 * MiB;
    smaller.metrics.iterationMsMedian = 12.5;
    smaller.metrics.attributedFraction = 0.90;
    StoredRun larger = sampleRun(3, QStringLiteral("bigger batch"));
    larger.metrics.peakBytes = 60 * MiB;
    larger.metrics.iterationMsMedian = 8.0;
    larger.metrics.categoriesAtPeak[int(Category::Output)] = 1024;
    return { base, smaller, larger };
}

int rowOfMetric(const QAbstractItemModel& model, const QString& name)
{
    for (int row = 0; row < model.rowCount(); ++row)
        if (model.index(row, CompareModel::MetricColumn).data().toString() == name)
            return row;
    return -1;
}

QColor background(const QModelIndex& index)
{
    const QVariant brush = index.data(Qt::BackgroundRole);
    return brush.isValid() ? brush.value<QBrush>().color() : QColor();
}

QString parseError(const QString& spec)
{
    QString error;
    const bool parsed = bool(InputSpec::parse(spec, &error));
    return parsed ? QString() : error;
}

QStringList childNames(const QAbstractItemModel& model, const QModelIndex& parent)
{
    QStringList names;
    for (int row = 0; row < model.rowCount(parent); ++row)
        names << model.index(row, 0, parent).data().toString();
    return names;
}

const auto QtTestReporting = QAbstractItemModelTester::FailureReportingMode::QtTest;
}

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
        QStringList expected = { QStringLiteral("Peak"), QStringLiteral("Parameters") };
        for (Category category : allCategories())
            expected << QStringLiteral("At peak: %1").arg(categoryLabel(category));
        expected << QStringLiteral("Allocated") << QStringLiteral("Iteration") << QStringLiteral("Process peak RSS")
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

    // InputSpecModel

    void inputSpecsPassTheModelTester()
    {
        InputSpecModel model;
        QAbstractItemModelTester tester(&model, QtTestReporting);
        model.setSpecs({ QStringLiteral("8x3x224x224"), QStringLiteral("4x128:int64:0..7999") });
        model.setSpecs({ QStringLiteral("8xAx3") });
        QVERIFY(model.insertRows(0, 2));
        QVERIFY(model.setData(model.index(1, InputSpecModel::RangeColumn), QStringLiteral("0..1")));
        QVERIFY(model.removeRows(1, 2));
        QVERIFY(!model.removeRows(0, 5));
        model.setBatchSize(4);
        model.clearData();
        QCOMPARE(model.rowCount(), 0);
    }

    void inputSpecsRoundTrip_data()
    {
        QTest::addColumn<QStringList>("specs");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("range");
        QTest::newRow("shape") << QStringList { QStringLiteral("8x3x224x224") } << QStringLiteral("8x3x224x224")
                               << QStringLiteral("float32") << QString();
        QTest::newRow("type and range") << QStringList { QStringLiteral("4x128:int64:0..7999") }
                                        << QStringLiteral("4x128") << QStringLiteral("int64")
                                        << QStringLiteral("0..7999");
        QTest::newRow("range only") << QStringList { QStringLiteral("32x64:0..16") } << QStringLiteral("32x64")
                                    << QStringLiteral("float32") << QStringLiteral("0..16");
        QTest::newRow("two inputs") << QStringList { QStringLiteral("8x16:float16"), QStringLiteral("8:int64:0..9") }
                                    << QStringLiteral("8x16") << QStringLiteral("float16") << QString();
    }

    void inputSpecsRoundTrip()
    {
        QFETCH(QStringList, specs);
        QFETCH(QString, shape);
        QFETCH(QString, type);
        QFETCH(QString, range);
        InputSpecModel model;
        model.setSpecs(specs);
        QCOMPARE(model.specs(), specs);
        QVERIFY(model.isValid());
        QCOMPARE(model.errorText(), QString());
        QCOMPARE(model.rowCount(), specs.size());
        QCOMPARE(model.index(0, InputSpecModel::ShapeColumn).data().toString(), shape);
        QCOMPARE(model.index(0, InputSpecModel::TypeColumn).data().toString(), type);
        QCOMPARE(model.index(0, InputSpecModel::RangeColumn).data().toString(), range);
        QVERIFY(!model.index(0, 0).data(Qt::ForegroundRole).isValid());
        for (int column = 0; column < InputSpecModel::NUM_COLUMNS; ++column)
            QVERIFY(model.flags(model.index(0, column)) & Qt::ItemIsEditable);
    }

    void inputSpecsFlagWhatTheCliRejects_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::newRow("letter in the shape") << QStringLiteral("8xAx3");
        QTest::newRow("unknown type") << QStringLiteral("8x3:int65");
        QTest::newRow("empty range") << QStringLiteral("8x3:int64:5..1");
        QTest::newRow("fractional integer bounds") << QStringLiteral("8x3:int64:0.5..2");
        QTest::newRow("range first") << QStringLiteral("8x3:0..1:int64");
        QTest::newRow("missing file") << QStringLiteral("missing_inputs.pt");
        QTest::newRow("zero size") << QStringLiteral("8x0");
    }

    void inputSpecsFlagWhatTheCliRejects()
    {
        QFETCH(QString, spec);
        const QString error = parseError(spec);
        QVERIFY(!error.isEmpty());
        InputSpecModel model;
        model.setSpecs({ QStringLiteral("8x3"), spec });
        QCOMPARE(model.specs()[1], spec);
        QVERIFY(!model.isValid());
        QCOMPARE(model.errorText(), QStringLiteral("Input 2: ") + error);
        for (int column = 0; column < InputSpecModel::NUM_COLUMNS; ++column) {
            const QModelIndex cell = model.index(1, column);
            const QColor text = cell.data(Qt::ForegroundRole).value<QBrush>().color();
            QVERIFY2(text.red() > 150 && text.green() < 100 && text.blue() < 100, qPrintable(text.name()));
            QCOMPARE(cell.data(Qt::ToolTipRole).toString(), error);
        }
        QVERIFY(!model.index(0, 0).data(Qt::ToolTipRole).isValid());
    }

    void inputSpecsValidateEveryEdit()
    {
        InputSpecModel model;
        model.setSpecs({ QStringLiteral("8x3x224x224") });
        QSignalSpy validity(&model, &InputSpecModel::validityChanged);
        QSignalSpy changed(&model, &InputSpecModel::dataChanged);

        QVERIFY(model.setData(model.index(0, InputSpecModel::ShapeColumn), QStringLiteral("8xAx3")));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(validity.size(), 1);
        QCOMPARE(validity[0][0].toBool(), false);
        QCOMPARE(model.errorText(), QStringLiteral("Input 1: ") + parseError(QStringLiteral("8xAx3")));

        QVERIFY(model.setData(model.index(0, InputSpecModel::ShapeColumn), QStringLiteral("8x3")));
        QCOMPARE(validity.size(), 2);
        QCOMPARE(validity[1][0].toBool(), true);

        QVERIFY(model.setData(model.index(0, InputSpecModel::TypeColumn), QStringLiteral("int64")));
        QVERIFY(model.setData(model.index(0, InputSpecModel::RangeColumn), QStringLiteral("0..0.5")));
        QVERIFY(!model.isValid());
        QCOMPARE(model.errorText(), QStringLiteral("Input 1: ") + parseError(QStringLiteral("8x3:int64:0..0.5")));
        QVERIFY(model.setData(model.index(0, InputSpecModel::RangeColumn), QStringLiteral("0..9")));
        QVERIFY(model.isValid());
        QCOMPARE(model.specs(), QStringList { QStringLiteral("8x3:int64:0..9") });
        QCOMPARE(validity.size(), 4);

        // A whole spec typed into the Shape cell is spread over the cells.
        QVERIFY(model.setData(model.index(0, InputSpecModel::ShapeColumn), QStringLiteral("4x128:int32:1..5")));
        QCOMPARE(model.index(0, InputSpecModel::TypeColumn).data().toString(), QStringLiteral("int32"));
        QCOMPARE(model.specs(), QStringList { QStringLiteral("4x128:int32:1..5") });
    }

    void inputSpecsInsertAndRemoveRows()
    {
        InputSpecModel model;
        model.setSpecs({ QStringLiteral("8xAx3") });
        QSignalSpy validity(&model, &InputSpecModel::validityChanged);
        QVERIFY(model.insertRows(1, 2));
        QCOMPARE(model.specs(),
            (QStringList { QStringLiteral("8xAx3"), QStringLiteral("1:float32"), QStringLiteral("1:float32") }));
        QVERIFY(model.removeRows(0, 1));
        QCOMPARE(validity.size(), 1);
        QVERIFY(model.isValid());
        QVERIFY(!model.insertRows(5, 1));
        QVERIFY(!model.removeRows(1, 2));
    }

    void inputSpecsBatchSizeSparesFiles()
    {
        // A relative name that starts like a shape, resolved from the working folder as the CLI does.
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        const QString previousFolder = QDir::currentPath();
        QVERIFY(QDir::setCurrent(folder.path()));
        const auto restoreFolder = qScopeGuard([&] { QDir::setCurrent(previousFolder); });
        const QString file = QStringLiteral("8x3_tokens.pt");
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write("not really a tensor, but the editor only checks that the file exists");
        out.close();

        InputSpecModel model;
        model.setSpecs({ file, QStringLiteral("8x3x224x224"), QStringLiteral("8x10:int64:0..9") });
        QVERIFY2(model.isValid(), qPrintable(model.errorText()));
        QCOMPARE(model.index(0, InputSpecModel::ShapeColumn).data().toString(), file);
        QCOMPARE(model.index(0, InputSpecModel::TypeColumn).data().toString(), QString());
        QCOMPARE(model.index(0, InputSpecModel::RangeColumn).data().toString(), QString());
        QVERIFY(!(model.flags(model.index(0, InputSpecModel::TypeColumn)) & Qt::ItemIsEditable));
        QVERIFY(!(model.flags(model.index(0, InputSpecModel::RangeColumn)) & Qt::ItemIsEditable));
        QVERIFY(model.flags(model.index(0, InputSpecModel::ShapeColumn)) & Qt::ItemIsEditable);
        QVERIFY(!model.setData(model.index(0, InputSpecModel::TypeColumn), QStringLiteral("int64")));
        QCOMPARE(model.batchSize(), 8);

        model.setBatchSize(16);
        QCOMPARE(
            model.specs(), (QStringList { file, QStringLiteral("16x3x224x224"), QStringLiteral("16x10:int64:0..9") }));
        QCOMPARE(model.batchSize(), 16);
        QVERIFY(model.isValid());

        model.setSpecs({ file });
        QCOMPARE(model.batchSize(), 0);
        model.clearData();
        QCOMPARE(model.batchSize(), 0);
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
