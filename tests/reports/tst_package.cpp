// The Debian package: `cpack -G DEB` builds it from this build tree, and it holds the two programs, the demo,
// the desktop entry and the icon, and depends on the Debian packages of the libraries they load.

#include "support/TestSupport.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using memoscope::test::CliResult;
using memoscope::test::runProgram;

class TestPackage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Into a folder of its own, so the build tree gets no package or staging folder from the tests.
        const CliResult cpack = runProgram(QStringLiteral(CPACK_COMMAND),
            { QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("--config"),
                QStringLiteral(MEMOSCOPE_BINARY_DIR "/CPackConfig.cmake"), QStringLiteral("-B"), m_dir.path() });
        QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.out + cpack.err));
        const QStringList debs = QDir(m_dir.path()).entryList({ QStringLiteral("memoscope_*.deb") }, QDir::Files);
        QCOMPARE(debs.size(), 1);
        m_deb = m_dir.filePath(debs.first());
    }

    void listsTheProgramsDemoDesktopEntryAndIcon()
    {
        const CliResult contents = runProgram(QStringLiteral("dpkg"), { QStringLiteral("-c"), m_deb });
        QVERIFY2(contents.exitCode == 0, qPrintable(contents.err));
        for (const char* path :
            { "./usr/bin/memoscope", "./usr/bin/memoscope-cli", "./usr/share/applications/memoscope.desktop",
                "./usr/share/icons/hicolor/scalable/apps/memoscope.svg", "./usr/share/memoscope/demo/digits_cnn.pt",
                "./usr/share/memoscope/demo/digits.csv", "./usr/share/memoscope/demo/README.md" })
            QVERIFY2(contents.out.contains(QLatin1String(path) + QLatin1Char('\n')), path);
    }

    void dependsOnTheRuntimePackages()
    {
        const CliResult fields = runProgram(QStringLiteral("dpkg-deb"),
            { QStringLiteral("-f"), m_deb, QStringLiteral("Package"), QStringLiteral("Depends"),
                QStringLiteral("Section") });
        QVERIFY2(fields.exitCode == 0, qPrintable(fields.err));
        QVERIFY(fields.out.contains(QStringLiteral("Package: memoscope\n")));
        for (const char* package : { "libtorch1.13", "libqt6widgets6", "libqt6gui6", "libqt6core6",
                 "libqt6printsupport6", "libqcustomplot2.1-qt6", "libsqlite3-0", "libopenblas0-pthread" })
            QVERIFY2(fields.out.contains(QLatin1String(package)), package);
    }

    // The packaged programs run from where they are unpacked (stripped, and with no path into the build tree).
    void theUnpackedCliRuns()
    {
        const QString root = m_dir.filePath(QStringLiteral("root"));
        const CliResult unpack = runProgram(QStringLiteral("dpkg-deb"), { QStringLiteral("-x"), m_deb, root });
        QVERIFY2(unpack.exitCode == 0, qPrintable(unpack.err));
        const CliResult runs = runProgram(root + QStringLiteral("/usr/bin/memoscope-cli"),
            { QStringLiteral("runs"), QStringLiteral("--db"), m_dir.filePath(QStringLiteral("empty.sqlite")) });
        QVERIFY2(runs.exitCode == 0, qPrintable(runs.err));
        const QString desktop = root + QStringLiteral("/usr/share/applications/memoscope.desktop");
        QFile entry(desktop);
        QVERIFY(entry.open(QIODevice::ReadOnly));
        const QByteArray text = entry.readAll();
        QVERIFY(text.contains("Exec=memoscope"));
        QVERIFY(text.contains("Icon=memoscope\n"));
    }

private:
    QTemporaryDir m_dir;
    QString m_deb;
};

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
