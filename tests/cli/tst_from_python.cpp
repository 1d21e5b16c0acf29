// memoscope-cli from-python: a model in Python made TorchScript with the machine's python3 and torch, from an
// expression and from a file's function, scripted, or traced when scripting fails (saying which and why); when
// both fail Python's own error is shown and nothing is written; with --profile the run is stored.

#include "support/TestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

class TestFromPython : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void makesTorchScript_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("example");
        QTest::addColumn<QString>("method");
        const QString file = sourcePath(QStringLiteral("tests/fixtures/python_models.py"));
        QTest::newRow("expression, scripted") << "torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU())"
                                              << "2x8"
                                              << "scripted";
        QTest::newRow("expression, traced") << "torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(4, 4))"
                                            << "2x4"
                                            << "traced";
        QTest::newRow("file, scripted") << file + QStringLiteral(":scriptable") << "3x6"
                                        << "scripted";
        QTest::newRow("file, traced") << file + QStringLiteral(":needs_tracing") << "2x3x4"
                                      << "traced";
    }
    void makesTorchScript()
    {
        QFETCH(QString, source);
        QFETCH(QString, example);
        QFETCH(QString, method);
        const QString out = m_dir.filePath(QStringLiteral("model-%1.pt").arg(++m_models));
        const CliResult result = runCli(
            { QStringLiteral("from-python"), source, QStringLiteral("--example"), example, QStringLiteral("--out"), out,
                QStringLiteral("--profile"), QStringLiteral("--iterations"), QStringLiteral("1"),
                QStringLiteral("--json"), QStringLiteral("--db"), m_dir.filePath(QStringLiteral("runs.sqlite")) });
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        QVERIFY2(result.err.contains(method + QLatin1Char(' ')), qPrintable(result.err));
        if (method == QLatin1String("traced"))
            QVERIFY2(result.err.contains(QStringLiteral("because scripting failed: ")), qPrintable(result.err));
        QVERIFY(QFile::exists(out));
        const QJsonObject run = result.json();
        QCOMPARE(run.value(QStringLiteral("status")).toString(), QStringLiteral("complete"));
        QCOMPARE(
            run.value(QStringLiteral("config")).toObject().value(QStringLiteral("inputs")).toArray().first().toString(),
            example);
        // The file is a TorchScript model of its own.
        const CliResult inspected = runCli({ QStringLiteral("inspect"), out });
        QVERIFY2(inspected.exitCode == 0, qPrintable(inspected.err));
    }

    void showsPythonsErrorWhenBothFail()
    {
        const QString out = m_dir.filePath(QStringLiteral("never.pt"));
        const CliResult result = runCli({ QStringLiteral("from-python"),
            sourcePath(QStringLiteral("tests/fixtures/python_models.py")) + QStringLiteral(":neither"),
            QStringLiteral("--example"), QStringLiteral("2x3"), QStringLiteral("--out"), out });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(QStringLiteral("could neither script nor trace")), qPrintable(result.err));
        QVERIFY2(result.err.contains(QStringLiteral("Scripting said: ")), qPrintable(result.err));
        QVERIFY2(result.err.contains(QStringLiteral("Tracing said: ")), qPrintable(result.err));
        QVERIFY(!QFile::exists(out));

        const CliResult unknown = runCli({ QStringLiteral("from-python"),
            QStringLiteral("torchvision.models.no_such_model()"), QStringLiteral("--out"), out });
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains(QStringLiteral("no_such_model")), qPrintable(unknown.err));
        QVERIFY(!QFile::exists(out));
    }

    // Profiling runs the model: a model that crashes LibTorch is reported and stored failed, as `profile` does.
    void crashingModelIsReported()
    {
        const QString database = m_dir.filePath(QStringLiteral("crash.sqlite"));
        const CliResult result = runCli({ QStringLiteral("from-python"),
            sourcePath(QStringLiteral("tests/fixtures/python_models.py")) + QStringLiteral(":crashes"),
            QStringLiteral("--example"), QStringLiteral("2x4"), QStringLiteral("--out"),
            m_dir.filePath(QStringLiteral("crashes.pt")), QStringLiteral("--profile"), QStringLiteral("--db"),
            database });
        QVERIFY2(!result.crashed, "the CLI itself died");
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(result.err.contains(QStringLiteral("the model crashed the worker process")), qPrintable(result.err));
        QVERIFY2(result.err.contains(QStringLiteral("status failed")), qPrintable(result.err));
    }

private:
    QTemporaryDir m_dir;
    int m_models = 0;
};

QTEST_GUILESS_MAIN(TestFromPython)
#include "tst_from_python.moc"
