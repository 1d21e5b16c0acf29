// The input editor's model: specs round-trip, and it flags what the CLI would reject.
#include "SampleRuns.h"
#include "core/InputSpec.h"
#include "ui/models/InputSpecModel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QFile>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

class TestInputSpecModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
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

QTEST_GUILESS_MAIN(TestInputSpecModel)
#include "tst_inputspec_model.moc"
