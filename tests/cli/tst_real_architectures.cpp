// Real architectures from torchvision, scripted at test time with random weights: both modes complete,
// allocations are attributed, every module appears, and the allocated bytes equal torch.profiler's.

#include "support/TestSupport.h"

#include <QJsonArray>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

class TestRealArchitectures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void profilesRealModels_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("threads");
        QTest::newRow("resnet18 inference") << "resnet18" << "8x3x224x224" << "inference" << 1;
        QTest::newRow("resnet18 train") << "resnet18" << "8x3x224x224" << "train" << 1;
        QTest::newRow("resnet18 inference, 2 threads") << "resnet18" << "8x3x224x224" << "inference" << 2;
        QTest::newRow("mobilenet_v2 inference") << "mobilenet_v2" << "8x3x224x224" << "inference" << 1;
        QTest::newRow("mobilenet_v2 train") << "mobilenet_v2" << "8x3x224x224" << "train" << 1;
        QTest::newRow("traced mlp train") << "traced_mlp" << "8x64" << "train" << 1;
    }
    void profilesRealModels()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        QFETCH(QString, mode);
        QFETCH(int, threads);
        const QString iterations = QStringLiteral("2");
        const CliResult result = runCli({ QStringLiteral("profile"), fixture(model), QStringLiteral("--input"), input,
            QStringLiteral("--mode"), mode, QStringLiteral("--iterations"), iterations, QStringLiteral("--threads"),
            QString::number(threads), QStringLiteral("--json"), QStringLiteral("--db"), database() });
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QJsonObject run = result.json();
        QCOMPARE(run.value(QStringLiteral("status")).toString(), QStringLiteral("complete"));
        QCOMPARE(run.value(QStringLiteral("threads")).toInt(), threads);
        const double attributed = run.value(QStringLiteral("attributed_fraction")).toDouble();
        QVERIFY2(attributed >= 0.99, qPrintable(QString::number(attributed)));
        QVERIFY(run.value(QStringLiteral("peak_bytes")).toDouble() > run.value(QStringLiteral("param_bytes")).toDouble());
        QVERIFY(!run.value(QStringLiteral("peak_phase")).toString().isEmpty());
        const QJsonObject atPeak = run.value(QStringLiteral("categories_at_peak")).toObject();
        QCOMPARE(atPeak.size(), 8); // every category, data included
        QCOMPARE(atPeak.value(QStringLiteral("data")).toDouble(), 0.0); // random inputs are input, not data
        // The model's tensors, and the few KiB a loaded model keeps outside them.
        const double parameters = atPeak.value(QStringLiteral("parameter")).toDouble();
        const double paramBytes = run.value(QStringLiteral("param_bytes")).toDouble();
        QVERIFY2(parameters >= paramBytes && parameters <= paramBytes * 1.01 + 16 * 1024, qPrintable(QString::number(parameters)));
        if (mode == QLatin1String("train") && model != QLatin1String("traced_mlp")) {
            // Convolutional nets peak early in backward, with most activations still kept.
            QVERIFY(atPeak.value(QStringLiteral("activation")).toDouble() > 0);
            QVERIFY(atPeak.value(QStringLiteral("optimizer_state")).toDouble() > 0);
        }

        // Every module of the model appears; in training every leaf with parameters owns some allocation.
        QHash<QString, QJsonObject> layers;
        for (const QJsonValue& value : run.value(QStringLiteral("layers")).toArray())
            layers.insert(value.toObject().value(QStringLiteral("path")).toString(), value.toObject());
        const QJsonObject listed = runPythonJson(QStringLiteral("list_modules.py"), { fixture(model) });
        const QJsonArray modules = listed.value(QStringLiteral("modules")).toArray();
        QVERIFY(!modules.isEmpty());
        for (const QJsonValue& value : modules) {
            const QString path = value.toObject().value(QStringLiteral("path")).toString();
            QVERIFY2(layers.contains(path), qPrintable(QStringLiteral("module '%1' is missing").arg(path)));
            const QJsonObject layer = layers.value(path);
            if (mode == QLatin1String("train") && value.toObject().value(QStringLiteral("leaf")).toBool()
                && layer.value(QStringLiteral("param_bytes")).toDouble() > 0)
                QVERIFY2(layer.value(QStringLiteral("allocated_bytes")).toDouble() > 0, qPrintable(path));
        }

        // The same iterations under torch.profiler(profile_memory=True) see the same allocations.
        const QJsonObject reference = runPythonJson(QStringLiteral("torch_profiler_total.py"),
            { fixture(model), input, QStringLiteral("--mode"), mode, QStringLiteral("--iterations"), iterations,
                QStringLiteral("--threads"), QString::number(threads) });
        const double theirs = reference.value(QStringLiteral("alloc_bytes")).toDouble();
        const double ours = run.value(QStringLiteral("total_allocated_bytes")).toDouble();
        QVERIFY(theirs > 0);
        qInfo("%s: allocated %.0f bytes, torch.profiler %.0f (%.4f %% apart)", QTest::currentDataTag(), ours, theirs,
            100.0 * std::abs(ours - theirs) / theirs);
        QVERIFY2(std::abs(ours - theirs) <= 0.01 * theirs,
            qPrintable(QStringLiteral("ours %1, torch.profiler %2").arg(ours, 0, 'f', 0).arg(theirs, 0, 'f', 0)));
    }

private:
    QString database() const { return m_dir.filePath(QStringLiteral("runs.sqlite")); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestRealArchitectures)
#include "tst_real_architectures.moc"
