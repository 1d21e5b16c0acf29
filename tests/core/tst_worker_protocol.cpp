// The app and its worker speak through core/WorkerProtocol: a configuration read back from the command line the
// app writes is the configuration the app meant, and a progress line reads back as written.

#include "core/WorkerProtocol.h"

#include <QJsonDocument>
#include <QtTest>

using namespace memoscope;

Q_DECLARE_METATYPE(RunConfig)

namespace {
// What the worker does with the app's command line: parse it with the options `profile` declares.
RunConfig readBack(const QStringList& arguments, QString* error)
{
    QCommandLineParser parser;
    const RunOptions options;
    parser.addOptions(options.all());
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QString());
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return {};
    }
    RunConfig config;
    config.modelPath = parser.positionalArguments().value(0);
    readRunConfig(parser, options, &config, error);
    return config;
}

RunConfig trainingWithEverything()
{
    RunConfig config;
    config.modelPath = QStringLiteral("/models/with space/resnet18.pt");
    config.inputs = QStringList { QStringLiteral("8x3x224x224"), QStringLiteral("8x16:int64:0..99") };
    config.labels = QStringLiteral("8:int64:0..9");
    config.mode = RunMode::Train;
    config.optimizer = OptimizerKind::Adam;
    config.learningRate = 0.000123456789; // more digits than QString::number's default keeps
    config.iterations = 7;
    config.warmup = 0;
    config.memoryLimitBytes = 1536LL * 1024 * 1024 + 1;
    config.trace = false;
    config.threads = 2;
    config.name = QStringLiteral("adam, bf16 -- streamed");
    config.quantizedEngine = QStringLiteral("qnnpack");
    config.checkpoint = QStringLiteral("layer1,layer2.0");
    config.amp = QStringLiteral("bf16");
    config.data = QStringLiteral("demo-digits");
    config.dataReading = DataReading::Streamed;
    config.batch = 16;
    config.opsLibraries = QStringList { QStringLiteral("/usr/lib/ops/libtorchvision.so"), QStringLiteral("my ops.so") };
    return config;
}
}

class TestWorkerProtocol : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void configurationsSurviveTheCommandLine_data()
    {
        QTest::addColumn<RunConfig>("config");
        QTest::newRow("training, every option set") << trainingWithEverything();
        RunConfig unguarded;
        unguarded.modelPath = QStringLiteral("m.pt");
        unguarded.inputs = QStringList { QStringLiteral("1x10") };
        unguarded.memoryGuard = false; // --memory-limit none
        unguarded.quantizedEngine = QStringLiteral("auto");
        unguarded.data = QStringLiteral("digits.csv");
        unguarded.dataReading = DataReading::InMemory;
        QTest::newRow("inference, guard lifted, data in memory") << unguarded;
        RunConfig defaults;
        defaults.modelPath = QStringLiteral("m.pt");
        defaults.inputs = QStringList { QStringLiteral("4x3x32x32") };
        defaults.quantizedEngine = QStringLiteral("auto"); // what the worker reads when none is given
        QTest::newRow("defaults") << defaults;
    }
    void configurationsSurviveTheCommandLine()
    {
        QFETCH(RunConfig, config);
        QString error;
        const RunConfig read = readBack(profileArguments(config), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        // toJson holds every field of a run's configuration, so a field the protocol drops shows here.
        const QByteArray meant = QJsonDocument(config.toJson()).toJson(QJsonDocument::Compact);
        const QByteArray got = QJsonDocument(read.toJson()).toJson(QJsonDocument::Compact);
        QVERIFY2(meant == got, (meant + "\nread back as\n" + got).constData());
        QCOMPARE(read.learningRate, config.learningRate); // exactly, not to 6 digits
    }

    void badOptionsNameTheOption_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("named");
        QTest::newRow("iterations") << QStringList { QStringLiteral("--iterations"), QStringLiteral("0") }
                                    << QStringLiteral("--iterations");
        QTest::newRow("lr") << QStringList { QStringLiteral("--lr"), QStringLiteral("-1") } << QStringLiteral("--lr");
        QTest::newRow("memory limit") << QStringList { QStringLiteral("--memory-limit"), QStringLiteral("lots") }
                                      << QStringLiteral("--memory-limit");
        QTest::newRow("stream without data") << QStringList { QStringLiteral("--stream") } << QStringLiteral("--data");
    }
    void badOptionsNameTheOption()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, named);
        QString error;
        readBack(QStringList { QStringLiteral("profile"), QStringLiteral("m.pt"), QStringLiteral("--input"),
                     QStringLiteral("1x10") }
                + options,
            &error);
        QVERIFY2(error.contains(named), qPrintable(error));
    }

    void progressLinesReadBackAsWritten_data()
    {
        QTest::addColumn<int>("stage");
        QTest::addColumn<qint64>("runId");
        QTest::addColumn<int>("iteration");
        QTest::addColumn<QString>("step");
        QTest::newRow("started") << int(ProgressLine::Stage::Started) << qint64(3) << 0 << QString();
        QTest::newRow("warmup") << int(ProgressLine::Stage::Warmup) << qint64(3) << 1 << QString();
        QTest::newRow("measuring") << int(ProgressLine::Stage::Measuring) << qint64(12) << 2 << QString();
        QTest::newRow("saving") << int(ProgressLine::Stage::Saving) << qint64(12) << 0 << QString();
        QTest::newRow("optimizing") << int(ProgressLine::Stage::Optimizing) << qint64(-1) << 0
                                    << QStringLiteral("distilling: epoch 2/10, loss 0.25");
    }
    void progressLinesReadBackAsWritten()
    {
        QFETCH(int, stage);
        QFETCH(qint64, runId);
        QFETCH(int, iteration);
        QFETCH(QString, step);
        const ProgressLine line { ProgressLine::Stage(stage), runId, iteration, iteration ? 3 : 0, step };
        const QByteArray json = line.toJson();
        QVERIFY(!json.contains('\n')); // one line each
        const std::optional<ProgressLine> read = ProgressLine::parse(json);
        QVERIFY(read);
        QCOMPARE(int(read->stage), stage);
        QCOMPARE(read->stageName(), line.stageName());
        QCOMPARE(read->runId, runId);
        QCOMPARE(read->iteration, iteration);
        QCOMPARE(read->total, line.total);
        QCOMPARE(read->step, step);
    }

    void otherLinesAreNotProgress()
    {
        QVERIFY(!ProgressLine::parse("memoscope-cli profile: error: no such file m.pt"));
        QVERIFY(!ProgressLine::parse(R"({"stage":"dancing","run_id":3})"));
        QVERIFY(!ProgressLine::parse(""));
    }
};

QTEST_GUILESS_MAIN(TestWorkerProtocol)
#include "tst_worker_protocol.moc"
