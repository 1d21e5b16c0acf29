// Models users really have, through the desktop app (offscreen, real worker processes): a file that is not a
// model is refused when it opens, before any run dialog; a detector taking List[Tensor] and a model with an int
// argument open into a run dialog whose rows come from their signatures, validated as the CLI validates, and
// run; a Python file is made TorchScript first.

#include "support/TestSupport.h"
#include "ui/models/InputSpecModel.h"
#include "ui/windows/ArgumentDelegate.h"
#include "ui/windows/FromPythonDialog.h"
#include "ui/windows/MainWindow.h"
#include "ui/windows/RunPage.h"
#include "ui/windows/RunSettingsDialog.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QLineEdit>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
constexpr int workerTimeout = 180000;
QString realWorld(const QString& name) { return QStringLiteral(MEMOSCOPE_REAL_WORLD_DIR "/") + name; }

int rowOf(const InputSpecModel* model, const QString& argument)
{
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->headerData(row, Qt::Vertical).toString().startsWith(argument + QLatin1Char(':')))
            return row;
    return -1;
}
}

class TestGuiModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void init()
    {
        AppPaths paths;
        paths.workerPath = cliPath();
        paths.databasePath = m_dir.filePath(QStringLiteral("runs-%1.sqlite").arg(++m_databases));
        m_window = std::make_unique<MainWindow>(paths);
        m_window->resize(1400, 900);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    // Used to show the run dialog first and say "not a model" only after Run.
    void notAModelIsSaidAtOnce()
    {
        const QString text = m_dir.filePath(QStringLiteral("notes.pt"));
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("these are notes, not a model");
        file.close();
        m_window->openModel(text);
        QMessageBox* box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = m_window->findChild<QMessageBox*>(QStringLiteral("errorBox"))) != nullptr, 60000);
        QVERIFY2(box->text().contains(QStringLiteral("not a TorchScript model"))
                || box->informativeText().contains(QStringLiteral("not a TorchScript model")),
            qPrintable(box->text() + box->informativeText()));
        QVERIFY(m_window->findChild<RunSettingsDialog*>() == nullptr);
        box->close();
    }

    void detectorRunsFromItsSignature()
    {
        RunSettingsDialog* dialog = openAndWaitForDialog(realWorld(QStringLiteral("ssdlite.pt")));
        QVERIFY(dialog);
        InputSpecModel* inputs = dialog->inputs();
        QAbstractItemModelTester tester(inputs, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(inputs->hasSignature());
        const int images = rowOf(inputs, QStringLiteral("images"));
        const int targets = rowOf(inputs, QStringLiteral("targets"));
        QVERIFY(images >= 0 && targets >= 0);
        QCOMPARE(inputs->index(images, InputSpecModel::ShapeColumn).data(InputSpecModel::EditorRole).toString(),
            QStringLiteral("list"));
        // A tensor where a list of images belongs is refused with the CLI's words.
        inputs->setData(inputs->index(images, InputSpecModel::ShapeColumn), QStringLiteral("3x320x320"));
        QVERIFY(!inputs->isValid());
        QVERIFY2(inputs->errorText().contains(QStringLiteral("argument 'images' is List[Tensor]; got a tensor spec")),
            qPrintable(inputs->errorText()));
        // The list editor's text, one image per entry, each its own size.
        inputs->setData(inputs->index(images, InputSpecModel::ShapeColumn),
            listSpec({ QStringLiteral("3x320x320"), QStringLiteral("3x240x320") }));
        QVERIFY2(inputs->isValid(), qPrintable(inputs->errorText()));
        QCOMPARE(dialog->config().inputs, QStringList { QStringLiteral("[3x320x320,3x240x320]") }); // targets left out
        runAndCheck(dialog, QStringList { QStringLiteral("[3x320x320,3x240x320]") });
    }

    void intArgumentGetsANumberField()
    {
        RunSettingsDialog* dialog = openAndWaitForDialog(realWorld(QStringLiteral("voice_activity.pt")));
        QVERIFY(dialog);
        InputSpecModel* inputs = dialog->inputs();
        const int rate = rowOf(inputs, QStringLiteral("sr"));
        QVERIFY(rate >= 0);
        const QModelIndex value = inputs->index(rate, InputSpecModel::ShapeColumn);
        QCOMPARE(value.data(InputSpecModel::EditorRole).toString(), QStringLiteral("int"));
        // The editor the dialog gives that cell is a number field.
        auto* table = dialog->findChild<QTableView*>();
        QWidget* editor = table->itemDelegateForColumn(InputSpecModel::ShapeColumn)->createEditor(table, {}, value);
        auto* line = qobject_cast<QLineEdit*>(editor);
        QVERIFY(line && line->validator());
        int position = 0;
        QString letters = QStringLiteral("abc");
        QCOMPARE(line->validator()->validate(letters, position), QValidator::Invalid);
        delete editor;
        // Values are checked as the CLI checks them; the model's own check (8000 or 16000) runs in the worker.
        inputs->setData(
            inputs->index(rowOf(inputs, QStringLiteral("x")), InputSpecModel::ShapeColumn), QStringLiteral("2x8000"));
        inputs->setData(value, QStringLiteral("16000"));
        inputs->setData(inputs->index(rowOf(inputs, QStringLiteral("smooth")), InputSpecModel::ShapeColumn),
            QStringLiteral("true"));
        QVERIFY2(inputs->isValid(), qPrintable(inputs->errorText()));
        runAndCheck(
            dialog, QStringList { QStringLiteral("2x8000"), QStringLiteral("int:16000"), QStringLiteral("bool:true") });
    }

    void pythonFileIsMadeTorchScriptFirst()
    {
        const QString python = m_dir.filePath(QStringLiteral("tiny.py"));
        QFile file(python);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            "import torch\n\ndef make():\n    return torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.ReLU())\n");
        file.close();
        QCOMPARE(modelFunctions(python), QStringList { QStringLiteral("make") });
        m_window->openModel(python);
        FromPythonDialog* ask = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((ask = m_window->findChild<FromPythonDialog*>()) != nullptr, 10000);
        ask->setExamples({ QStringLiteral("4x6") });
        ask->accept();
        RunSettingsDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = m_window->findChild<RunSettingsDialog*>()) != nullptr, workerTimeout);
        QCOMPARE(dialog->config().inputs, QStringList { QStringLiteral("4x6") }); // the example, kept
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("tiny-make.pt"))));
        dialog->reject();
    }

private:
    RunSettingsDialog* openAndWaitForDialog(const QString& model)
    {
        m_window->openModel(model);
        // QTRY_VERIFY returns void on failure: the caller's QVERIFY(dialog) fails the test instead.
        RunSettingsDialog* dialog = nullptr;
        QTest::qWaitFor([&] { return (dialog = m_window->findChild<RunSettingsDialog*>()) != nullptr; }, workerTimeout);
        return dialog;
    }

    void runAndCheck(RunSettingsDialog* dialog, const QStringList& expectedInputs)
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        QSignalSpy failed(m_window.get(), &MainWindow::runFailed);
        dialog->accept();
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() > 0 || failed.count() > 0, workerTimeout);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
        QCOMPARE(m_window->runPage()->run()->run.summary.config.inputs, expectedInputs);
    }

    QTemporaryDir m_dir;
    int m_databases = 0;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestGuiModels)
#include "tst_gui_models.moc"
