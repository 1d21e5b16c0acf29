// The desktop application across restarts, offscreen, with real worker processes: what a restart reopens, when
// the demo is profiled, the window's layout, its title, and where the workbench saves optimized models.

#include "GuiSamples.h"
#include "core/Store.h"
#include "support/TestSupport.h"
#include "ui/jobs/ProfileJob.h"
#include "ui/windows/MainWindow.h"
#include "ui/windows/RunPage.h"

#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
constexpr int workerTimeout = 120000;
}

class TestGuiSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings and the default database go to a test location
        QVERIFY(m_dir.isValid());
    }

    void init() { QSettings().clear(); }

    // Issue 18: a restart showed the demo, not the last work.
    void restartReopensTheLastRunShown()
    {
        const QString database = m_dir.filePath(QStringLiteral("mine.sqlite"));
        qint64 first = -1;
        {
            auto window = start(database);
            QVERIFY(window);
            first = profileDemo(window.get());
            QVERIFY(first > 0);
            QVERIFY(profileDemo(window.get()) > first); // the demo's latest run is now another
            QSignalSpy shown(window.get(), &MainWindow::runShown);
            window->openRun(first);
            QVERIFY(shown.wait(30000));
            window->close();
        }
        auto window = start(database);
        QVERIFY(window);
        QSignalSpy shown(window.get(), &MainWindow::runShown);
        QSignalSpy started(window->job(), &ProfileJob::runStarted);
        window->startUp();
        QVERIFY(shown.wait(30000));
        QCOMPARE(shown.first().at(0).toLongLong(), first);
        QCOMPARE(started.count(), 0);
    }

    // The demo is profiled on start only into the default database, and only while it is empty.
    void demoIsProfiledOnlyIntoTheEmptyDefaultDatabase()
    {
        {
            auto window = start(m_dir.filePath(QStringLiteral("empty-other.sqlite")));
            QVERIFY(window);
            QSignalSpy started(window->job(), &ProfileJob::runStarted);
            QSignalSpy listed(window->loader(), &RunLoader::runsListed);
            window->startUp();
            QTRY_VERIFY_WITH_TIMEOUT(listed.count() >= 1, 30000); // startUp decides on the first listing
            QVERIFY(!window->job()->isRunning());
            QCOMPARE(started.count(), 0);
            QVERIFY(window->runPage()->run() == nullptr);
        }
        const QString defaultDatabase = Store::defaultPath();
        QVERIFY2(defaultDatabase.contains(QStringLiteral("qttest")), qPrintable(defaultDatabase));
        QFile::remove(defaultDatabase);
        {
            auto window = start(defaultDatabase);
            QVERIFY(window);
            QSignalSpy shown(window.get(), &MainWindow::runShown);
            window->startUp();
            QVERIFY(shown.wait(workerTimeout));
            QVERIFY(window->runPage()->run()->run.summary.modelPath.endsWith(QStringLiteral("digits_cnn.pt")));
            window->close();
        }
        QSettings().clear(); // no run to reopen: the default database is not empty, so nothing is profiled
        auto window = start(defaultDatabase);
        QVERIFY(window);
        QSignalSpy started(window->job(), &ProfileJob::runStarted);
        QSignalSpy listed(window->loader(), &RunLoader::runsListed);
        window->startUp();
        QTRY_VERIFY_WITH_TIMEOUT(listed.count() >= 1, 30000);
        QVERIFY(!window->job()->isRunning());
        QCOMPARE(started.count(), 0);
        QFile::remove(defaultDatabase);
    }

    // The dock's width and the splitters' positions come back after a restart.
    void layoutIsRestored()
    {
        const QString database = m_dir.filePath(QStringLiteral("layout.sqlite"));
        QList<int> runSizes;
        int dockWidth = 0;
        {
            auto window = start(database);
            QVERIFY(window);
            auto* dock = window->findChild<QDockWidget*>(QStringLiteral("history"));
            const int before = dock->width();
            window->resizeDocks({ dock }, { before + 120 }, Qt::Horizontal);
            QTRY_VERIFY2(dock->width() > before + 60,
                qPrintable(QStringLiteral("%1 -> %2 in %3").arg(before).arg(dock->width()).arg(window->width())));
            dockWidth = dock->width();
            auto* splitter = window->runPage()->findChild<QSplitter*>(QStringLiteral("runSplitter"));
            QVERIFY(splitter);
            splitter->setSizes({ 200, 500 });
            runSizes = splitter->sizes();
            window->close();
        }
        auto window = start(database);
        QVERIFY(window);
        auto* dock = window->findChild<QDockWidget*>(QStringLiteral("history"));
        QTRY_COMPARE(dock->width(), dockWidth);
        QCOMPARE(window->runPage()->findChild<QSplitter*>(QStringLiteral("runSplitter"))->sizes(), runSizes);
    }

    // The title held "Memoscope" twice ("Memoscope — other.sqlite — Memoscope": the platform adds the display
    // name), and none of the database after a restart.
    void titleNamesTheDatabaseOnce()
    {
        QGuiApplication::setApplicationDisplayName(QStringLiteral("Memoscope"));
        auto window = start(m_dir.filePath(QStringLiteral("other.sqlite")));
        QVERIFY(window);
        QCOMPARE(window->windowTitle(), QStringLiteral("other.sqlite"));
        window->openDatabase(m_dir.filePath(QStringLiteral("third.sqlite")));
        QCOMPARE(window->windowTitle(), QStringLiteral("third.sqlite"));
    }

    // Optimized models went to ~/.local/share/memoscope/memoscope/optimized/.
    void optimizedModelsLiveBesideTheDefaultDatabase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("memoscope"));
        QCoreApplication::setApplicationName(QStringLiteral("memoscope"));
        const QString folder = optimizedModelsFolder();
        QCOMPARE(folder, QFileInfo(Store::defaultPath()).dir().filePath(QStringLiteral("optimized")));
        QVERIFY2(!folder.contains(QStringLiteral("memoscope/memoscope")), qPrintable(folder));
    }

private:
    // A window on `database`, shown, as main() makes it (after a restart, the settings of the last one closed).
    std::unique_ptr<MainWindow> start(const QString& database)
    {
        AppPaths paths;
        paths.workerPath = cliPath();
        paths.databasePath = database;
        paths.demoModelPath = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));
        auto window = std::make_unique<MainWindow>(paths);
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return nullptr;
        return window;
    }

    qint64 profileDemo(MainWindow* window)
    {
        QSignalSpy shown(window, &MainWindow::runShown);
        window->runModel(demoCnnRun());
        if (!shown.wait(workerTimeout))
            return -1;
        return shown.last().at(0).toLongLong();
    }

    QTemporaryDir m_dir;
};

QTEST_MAIN(TestGuiSession)
#include "tst_gui_session.moc"
