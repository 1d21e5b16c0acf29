// Training-memory options end to end through memoscope-cli, as a user runs them: gradient checkpointing
// (automatic and planned for a budget), bf16 mixed precision, data read whole or streamed, and the batch-size
// sweep. Each figure asserted is printed, so a run of this test doubles as a measurement.

#include "support/TestSupport.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

namespace {
double categoryAtPeak(const QJsonObject& run, const char* category)
{
    return run.value("categories_at_peak").toObject().value(QLatin1String(category)).toDouble();
}

QStringList segmentsOf(const QJsonObject& run)
{
    QStringList segments;
    for (const QJsonValue& value : run.value("checkpoint_segments").toArray())
        segments << value.toString();
    return segments;
}

double megabytes(double bytes) { return bytes / 1e6; }

// Activation bytes at the peak of a run with an option, as a share of the run without it; both printed.
double activationShare(const char* what, const QJsonObject& without, const QJsonObject& with)
{
    const double before = categoryAtPeak(without, "activation");
    const double after = categoryAtPeak(with, "activation");
    qInfo("%s: activations at the peak %.1f MB -> %.1f MB (%.1f %% less); peak %.1f MB -> %.1f MB", what,
        megabytes(before), megabytes(after), 100 * (1 - after / before),
        megabytes(without.value("peak_bytes").toDouble()), megabytes(with.value("peak_bytes").toDouble()));
    return after / before;
}
}

class TestTraining : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void checkpointingResnet18AtBatch16()
    {
        const QStringList common { "profile", fixture("resnet18"), "--input", "16x3x224x224", "--mode", "train",
            "--warmup", "0", "--iterations", "1", "--json", "--db", database() };
        const QJsonObject plain = profile(common);
        const QJsonObject checkpointed = profile(common + QStringList { "--checkpoint", "auto" });
        const double share = activationShare("resnet18 16x3x224x224, checkpointed", plain, checkpointed);
        qInfo("recompute %.0f ms", checkpointed.value("recompute_ms").toDouble());
        QCOMPARE(segmentsOf(checkpointed), (QStringList { "layer1", "layer2", "layer3", "layer4" }));
        QVERIFY(checkpointed.value("recompute_ms").toDouble() > 0);
        QVERIFY(!plain.contains("checkpoint_segments"));
        QVERIFY2(share <= 0.6, qPrintable(QString::number(share)));
        QVERIFY(checkpointed.value("peak_bytes").toDouble() < plain.value("peak_bytes").toDouble());
        QCOMPARE(checkpointed.value("config").toObject().value("checkpoint").toString(), QStringLiteral("auto"));

        // The stored run says the same when shown again.
        const CliResult shown
            = runCli({ "show", QString::number(checkpointed.value("run_id").toDouble()), "--db", database() });
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(shown.out.contains(QStringLiteral("Checkpointed     layer1, layer2, layer3, layer4 (recompute")),
            qPrintable(shown.out));
    }

    void budgetPlanFitsWithLeastRecompute()
    {
        // At batch 8 the stem's activations and layer1's recompute stay; checkpointing all four stages lowers the
        // peak by a few percent only, and the plan must find a part of them that is enough.
        const QStringList common = resnet18At8();
        const double plain = profile(common).value("peak_bytes").toDouble();
        const double all = profile(common + QStringList { "--checkpoint", "auto" }).value("peak_bytes").toDouble();
        QVERIFY(all < plain);
        // Halfway: some blocks must be checkpointed, not necessarily all.
        const qint64 budget = qint64((plain + all) / 2);
        const QJsonObject planned
            = profile(common + QStringList { "--checkpoint", QStringLiteral("budget=%1").arg(budget) });
        const double measured = planned.value("peak_bytes").toDouble();
        const double predicted = planned.value("planned_peak_bytes").toDouble();
        qInfo("resnet18 8x3x224x224: peak %.2f MB plain, %.2f MB all checkpointed; budget %.2f MB -> %s, planned "
              "%.2f MB, measured %.2f MB",
            megabytes(plain), megabytes(all), megabytes(budget), qPrintable(segmentsOf(planned).join(',')),
            megabytes(predicted), megabytes(measured));
        QVERIFY(!segmentsOf(planned).isEmpty());
        QVERIFY(predicted <= budget);
        QVERIFY2(measured <= budget, qPrintable(QString::number(measured)));
        // A budget above the plain peak needs no recomputation at all.
        const QJsonObject generous
            = profile(common + QStringList { "--checkpoint", QStringLiteral("budget=%1").arg(qint64(plain * 1.5)) });
        QVERIFY(segmentsOf(generous).isEmpty());
        // A budget no plan reaches is refused before anything is stored.
        const int stored = storedRuns();
        const CliResult refused
            = runCli(common + QStringList { "--checkpoint", QStringLiteral("budget=%1").arg(qint64(all * 0.5)) });
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains(QStringLiteral("cannot be met")), qPrintable(refused.err));
        QCOMPARE(refused.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(storedRuns(), stored);
    }

    void bf16RecordsPrecisionAndLowersActivations()
    {
        const QStringList common = resnet18At8();
        const QJsonObject fp32 = profile(common);
        const QJsonObject bf16 = profile(common + QStringList { "--amp", "bf16" });
        const double share = activationShare("resnet18 8x3x224x224, bf16", fp32, bf16);
        QVERIFY2(share <= 0.7, qPrintable(QString::number(share)));
        QVERIFY(bf16.value("peak_bytes").toDouble() < fp32.value("peak_bytes").toDouble());
        const QJsonObject precision = bf16.value("phase_precision").toObject();
        QCOMPARE(precision.value("forward").toString(), QStringLiteral("bfloat16"));
        QCOMPARE(precision.value("loss").toString(), QStringLiteral("float32"));
        QCOMPARE(precision.value("backward").toString(), QStringLiteral("bfloat16"));
        QCOMPARE(precision.value("optimizer").toString(), QStringLiteral("float32"));
        QCOMPARE(fp32.value("phase_precision").toObject().value("forward").toString(), QStringLiteral("float32"));
        const CliResult shown
            = runCli({ "show", QString::number(bf16.value("run_id").toDouble()), "--db", database() });
        QVERIFY2(shown.out.contains(QStringLiteral(
                     "Precision        forward bfloat16, loss float32, backward bfloat16, optimizer float32")),
            qPrintable(shown.out));
    }

    void bf16LossStaysWithinOnePercentOnDemoData()
    {
        // The mlp fixture takes the digits' 64 features and starts untrained, so its loss moves.
        const QStringList common { "profile", fixture("mlp"), "--mode", "train", "--data", "demo-digits", "--batch",
            "64", "--warmup", "0", "--iterations", "6", "--json", "--db", database() };
        const QJsonArray fp32 = profile(common).value("losses").toArray();
        const QJsonArray bf16 = profile(common + QStringList { "--amp", "bf16" }).value("losses").toArray();
        QCOMPARE(fp32.size(), 6);
        QCOMPARE(bf16.size(), 6);
        const double expected = fp32.last().toDouble();
        const double actual = bf16.last().toDouble();
        qInfo("mlp on demo-digits, 6 steps of 64: loss %.4f -> %.4f fp32, %.4f -> %.4f bf16 (%.3f %% apart)",
            fp32.first().toDouble(), expected, bf16.first().toDouble(), actual,
            100 * std::abs(actual - expected) / expected);
        QVERIFY(expected < 0.9 * fp32.first().toDouble()); // it learns
        QVERIFY(actual != expected); // bf16 did compute differently
        QVERIFY2(std::abs(actual - expected) <= 0.01 * expected, qPrintable(QString::number(actual)));
    }

    void streamedDataHoldsAtMostTwoBatches()
    {
        // 20,000 digits-like rows: 5 MB of float32 samples in memory.
        const QString csv = m_dir.filePath(QStringLiteral("large.csv"));
        writeCsv(csv, 20000);
        const QStringList common { "profile", sourcePath("resources/demo/digits_cnn.pt"), "--mode", "train", "--data",
            csv, "--batch", "32", "--iterations", "3", "--json", "--db", database() };
        const QJsonObject inMemory = profile(common + QStringList { "--in-memory" });
        const QJsonObject streamed = profile(common + QStringList { "--stream" });
        const double whole = 20000.0 * (64 * 4 + 8);
        const double batch = 32.0 * (64 * 4 + 8);
        const double held = categoryAtPeak(inMemory, "data");
        const double streaming = categoryAtPeak(streamed, "data");
        qInfo("20000-row CSV, batch 32: data at the peak %.0f bytes in memory, %.0f bytes streamed (one batch is "
              "%.0f); peak %.2f MB -> %.2f MB",
            held, streaming, batch, megabytes(inMemory.value("peak_bytes").toDouble()),
            megabytes(streamed.value("peak_bytes").toDouble()));
        QVERIFY(held >= whole);
        QVERIFY(streaming > 0);
        QVERIFY(streaming <= 2 * batch);
        QVERIFY(streamed.value("data").toString().endsWith(QStringLiteral("streamed from disk batch by batch")));
        QVERIFY(
            inMemory.value("data").toString().endsWith(QStringLiteral("read whole into memory before the first step")));
        QCOMPARE(streamed.value("config").toObject().value("data_reading").toString(), QStringLiteral("streamed"));
    }

    void streamedImagesAreResizedBatchByBatch()
    {
        // 100x80 images, read for a model that takes 64x64: each batch is decoded, resized and normalised as read.
        const QString folder = m_dir.filePath(QStringLiteral("images"));
        for (const QString& label : { QStringLiteral("cat"), QStringLiteral("dog") }) {
            QVERIFY(QDir().mkpath(folder + QLatin1Char('/') + label));
            for (int i = 0; i < 6; ++i) {
                QImage image(100, 80, QImage::Format_RGB32);
                image.fill(QColor::fromHsv(i * 50, 200, label == QLatin1String("cat") ? 120 : 220));
                QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(folder, label).arg(i)));
            }
        }
        const QStringList common { "profile", fixture("resnet18"), "--input", "4x3x64x64", "--mode", "train", "--data",
            folder, "--iterations", "2", "--json", "--db", database() };
        const double streamed = categoryAtPeak(profile(common + QStringList { "--stream" }), "data");
        const double inMemory = categoryAtPeak(profile(common + QStringList { "--in-memory" }), "data");
        const double batch = 4.0 * 3 * 64 * 64 * 4 + 4 * 8; // resized samples and their labels
        qInfo("12 images of 100x80 as 64x64, batch 4: data at the peak %.0f bytes streamed, %.0f in memory (one batch "
              "is %.0f)",
            streamed, inMemory, batch);
        QVERIFY(streamed >= batch && streamed <= 2 * batch);
        QVERIFY(inMemory >= 3 * batch); // all 12 samples
    }

    void sweepPredictsTheLargestBatchThatFits()
    {
        const QStringList sweep { "sweep-batch", sourcePath("resources/demo/digits_cnn.pt"), "--input",
            "8x64:float32:0..16", "--batches", "8,16,32,64", "--json", "--db", database() };
        const CliResult fitted = runCli(sweep);
        QCOMPARE(fitted.exitCode, 0);
        const QJsonObject fit = fitted.json().value("fit").toObject();
        const double fixed = fit.value("fixed_bytes").toDouble();
        const double perSample = fit.value("bytes_per_sample").toDouble();
        QVERIFY(perSample > 0);
        QVERIFY(fit.value("r_squared").toDouble() > 0.99);
        QCOMPARE(fitted.json().value("batches").toArray().size(), 4);
        // A budget halfway between the line at 40 and at 41 samples: 40 is the answer.
        const qint64 budget = qint64(fixed + perSample * 40.5);
        const CliResult result = runCli(sweep + QStringList { "--budget", QString::number(budget) });
        QCOMPARE(result.exitCode, 0);
        const QJsonObject json = result.json();
        QCOMPARE(json.value("predicted_largest_batch").toInt(), 40);
        QMap<int, bool> fits;
        for (const QJsonValue& value : json.value("verification").toArray()) {
            const QJsonObject check = value.toObject();
            fits[check.value("batch").toInt()] = check.value("fits").toBool();
            qInfo("budget %lld: batch %d measured %.0f predicted %.0f bytes", static_cast<long long>(budget),
                check.value("batch").toInt(), check.value("peak_bytes").toDouble(),
                check.value("predicted_bytes").toDouble());
        }
        QVERIFY(fits.value(40, false));
        QVERIFY(fits.contains(41) && !fits.value(41));
        QCOMPARE(json.value("largest_batch").toInt(), 40);
    }

private:
    QStringList resnet18At8() const
    {
        return { "profile", fixture("resnet18"), "--input", "8x3x224x224", "--mode", "train", "--iterations", "1",
            "--json", "--db", database() };
    }

    // Runs memoscope-cli; the same arguments twice give the stored first run (runs are deterministic in bytes).
    QJsonObject profile(const QStringList& arguments)
    {
        if (m_runs.contains(arguments))
            return m_runs.value(arguments);
        const CliResult result = runCli(arguments);
        if (result.exitCode != 0)
            qWarning("%s", qPrintable(result.err));
        [&] { QCOMPARE(result.exitCode, 0); }();
        m_runs.insert(arguments, result.json());
        return result.json();
    }

    int storedRuns() const
    {
        const CliResult runs = runCli({ "runs", "--json", "--db", database() });
        return QJsonDocument::fromJson(runs.out.toUtf8()).array().size();
    }

    static void writeCsv(const QString& path, int rows)
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QRandomGenerator random(5);
        QByteArray text;
        for (int column = 0; column < 64; ++column)
            text += "p" + QByteArray::number(column) + ",";
        text += "label\n";
        for (int row = 0; row < rows; ++row) {
            for (int column = 0; column < 64; ++column)
                text += QByteArray::number(random.bounded(17)) + ",";
            text += QByteArray::number(random.bounded(10)) + "\n";
        }
        file.write(text);
    }

    QString database() const { return m_dir.filePath(QStringLiteral("runs.sqlite")); }
    QTemporaryDir m_dir;
    QMap<QStringList, QJsonObject> m_runs;
};

QTEST_GUILESS_MAIN(TestTraining)
#include "tst_training.moc"
