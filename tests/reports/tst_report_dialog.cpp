// File > Export Report (Ctrl+E) in the desktop app, offscreen: it previews the report of the run shown, or of
// the runs compared, and saves it as HTML or PDF, refusing a folder it cannot write to.

#include "OptimizedRuns.h"
#include "ui/reports/ReportDialog.h"
#include "ui/windows/MainWindow.h"

#include <QAction>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTextBrowser>
#include <QTextDocument>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

class TestReportDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_runs = makeOptimizedRuns(m_dir);
        QVERIFY2(m_runs.ok(), qPrintable(m_runs.error));
        AppPaths paths;
        paths.workerPath = cliPath();
        paths.databasePath = m_runs.database;
        m_window = std::make_unique<MainWindow>(paths);
        m_window->resize(1200, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanupTestCase() { m_window.reset(); }

    void exportsTheRunShown()
    {
        QSignalSpy shown(m_window.get(), &MainWindow::runShown);
        m_window->openRun(m_runs.optimized);
        QVERIFY(shown.wait(60000));
        ReportDialog* dialog = openDialog();
        QVERIFY(dialog);
        const QString text = dialog->preview()->document()->toPlainText();
        QVERIFY(text.contains(QStringLiteral("Run #%1").arg(m_runs.optimized)));
        QVERIFY(!text.contains(QStringLiteral("Per-layer difference")));
        QVERIFY(text.contains(QStringLiteral("Fidelity")));
        dialog->close();
    }

    void exportsTheRunsCompared()
    {
        QSignalSpy compared(m_window.get(), &MainWindow::comparisonShown);
        m_window->compareRuns({ m_runs.baseline, m_runs.optimized });
        QVERIFY(compared.wait(60000));
        ReportDialog* dialog = openDialog();
        QVERIFY(dialog);
        const QString text = dialog->preview()->document()->toPlainText();
        QVERIFY(text.contains(
            QStringLiteral("Per-layer difference: #%1 minus #%2").arg(m_runs.optimized).arg(m_runs.baseline)));

        for (const QString name : { QStringLiteral("saved.html"), QStringLiteral("saved.pdf") }) {
            QString error;
            QVERIFY2(dialog->saveTo(m_dir.filePath(name), &error), qPrintable(error));
            QVERIFY(QFileInfo(m_dir.filePath(name)).size() > 10000);
        }
        QString error;
        QVERIFY(!dialog->saveTo(QStringLiteral("/nonexistent/dir/r.pdf"), &error));
        QVERIFY2(error.contains(QStringLiteral("does not exist")), qPrintable(error));
        QVERIFY(!dialog->saveTo(m_dir.filePath(QStringLiteral("r.txt")), &error));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("r.txt"))));
        dialog->close();
    }

private:
    // Presses Ctrl+E and waits for the dialog's preview.
    ReportDialog* openDialog()
    {
        auto* action = m_window->findChild<QAction*>(QStringLiteral("exportReportAction"));
        if (!action || action->shortcut() != QKeySequence(Qt::CTRL | Qt::Key_E))
            return nullptr;
        const QList<ReportDialog*> before = m_window->findChildren<ReportDialog*>();
        action->trigger();
        ReportDialog* dialog = nullptr;
        for (ReportDialog* candidate : m_window->findChildren<ReportDialog*>())
            if (!before.contains(candidate))
                dialog = candidate;
        if (!dialog)
            return nullptr;
        QSignalSpy ready(dialog, &ReportDialog::ready);
        if (!dialog->isReady() && !ready.wait(60000))
            return nullptr;
        return dialog;
    }

    QTemporaryDir m_dir;
    OptimizedRuns m_runs;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestReportDialog)
#include "tst_report_dialog.moc"
