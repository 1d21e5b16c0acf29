// The models users really have (tests/fixtures/make_real_world.py, random weights): scripted torchvision detectors
// taking List[Tensor], a model with int, bool and Optional arguments, one returning a dict, frozen and mobile
// resnet18, a quantize_dynamic model and PyTorch 2.x archives calling scaled_dot_product_attention. Each profiles
// with its parameters (constants included) as Python counts them, `inspect` suggests inputs that run as printed,
// and the refusals (a missing operator, a too-new format, a spec of the wrong type) exit 2 and store nothing.

#include "support/TestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope::test;

namespace {
QString realWorld(const QString& name) { return QStringLiteral(MEMOSCOPE_REAL_WORLD_DIR "/") + name; }

QJsonObject corpusEntry(const QString& name)
{
    QFile file(realWorld(name + QStringLiteral(".json")));
    file.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(file.readAll()).object();
}

QStringList inputArguments(const QJsonArray& specs)
{
    QStringList arguments;
    for (const QJsonValue& spec : specs)
        arguments << QStringLiteral("--input") << spec.toString();
    return arguments;
}

const QStringList corpus = { QStringLiteral("fasterrcnn"), QStringLiteral("ssdlite"), QStringLiteral("voice_activity"),
    QStringLiteral("multi_head"), QStringLiteral("resnet18_frozen"), QStringLiteral("resnet18_mobile"),
    QStringLiteral("text_quantized"), QStringLiteral("sdpa_causal"), QStringLiteral("sdpa_additive"),
    QStringLiteral("sdpa_scale") };
}

class TestRealWorld : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void profilesCorpus_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("mode");
        for (const QString& name : corpus) {
            QTest::newRow(qPrintable(name + QStringLiteral(" inference"))) << name << "inference";
            if (corpusEntry(name).value(QStringLiteral("train")).toBool())
                QTest::newRow(qPrintable(name + QStringLiteral(" train"))) << name << "train";
        }
    }
    void profilesCorpus()
    {
        QFETCH(QString, name);
        QFETCH(QString, mode);
        const QJsonObject entry = corpusEntry(name);
        QVERIFY2(!entry.isEmpty(), qPrintable(name));
        const CliResult result
            = runCli(QStringList { QStringLiteral("profile"), realWorld(name + QStringLiteral(".pt")) }
                + inputArguments(entry.value(QStringLiteral("inputs")).toArray())
                + QStringList { QStringLiteral("--mode"), mode, QStringLiteral("--iterations"), QStringLiteral("1"),
                    QStringLiteral("--json"), QStringLiteral("--db"), database() });
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QJsonObject run = result.json();
        QCOMPARE(run.value(QStringLiteral("status")).toString(), QStringLiteral("complete"));
        const double attributed = run.value(QStringLiteral("attributed_fraction")).toDouble();
        QVERIFY2(attributed >= 0.99, qPrintable(QString::number(attributed)));
        // Parameters, constants and packed weights included, as Python counts them.
        QCOMPARE(qint64(run.value(QStringLiteral("param_count")).toDouble()),
            qint64(entry.value(QStringLiteral("python_values")).toDouble()));
        QCOMPARE(qint64(run.value(QStringLiteral("param_bytes")).toDouble()),
            qint64(entry.value(QStringLiteral("python_bytes")).toDouble()));
        const QString how = entry.value(QStringLiteral("how")).toString();
        if (how == QLatin1String("frozen") || how == QLatin1String("mobile")) {
            QCOMPARE(run.value(QStringLiteral("constant_count")).toDouble(),
                run.value(QStringLiteral("param_count")).toDouble());
            QVERIFY(run.value(QStringLiteral("attribution_note"))
                        .toString()
                        .contains(QStringLiteral("no module structure")));
        }
        if (how == QLatin1String("2.x archive"))
            QVERIFY(run.value(QStringLiteral("supplied_operators"))
                        .toArray()
                        .contains(QStringLiteral("aten::scaled_dot_product_attention")));
        if (name == QLatin1String("fasterrcnn") || name == QLatin1String("ssdlite")) {
            const QJsonArray libraries = run.value(QStringLiteral("operator_libraries")).toArray();
            QVERIFY(!libraries.isEmpty() && libraries.first().toString().contains(QStringLiteral("torchvision")));
        }
    }

    void inspectSuggestsInputsThatRun_data()
    {
        QTest::addColumn<QString>("name");
        for (const QString& name : corpus)
            QTest::newRow(qPrintable(name)) << name;
    }
    void inspectSuggestsInputsThatRun()
    {
        QFETCH(QString, name);
        const QString model = realWorld(name + QStringLiteral(".pt"));
        const CliResult inspected = runCli({ QStringLiteral("inspect"), model, QStringLiteral("--json") });
        QVERIFY2(inspected.exitCode == 0, qPrintable(inspected.err));
        const QJsonObject report = inspected.json();
        QVERIFY(report.value(QStringLiteral("loads")).toBool());
        QVERIFY(report.value(QStringLiteral("format_version")).toInt() > 0);
        QVERIFY(!report.value(QStringLiteral("operators")).toArray().isEmpty());
        const QJsonArray suggested = report.value(QStringLiteral("suggested_inputs")).toArray();
        if (name == QLatin1String("voice_activity")) {
            // int and bool arguments: placeholder values, said so.
            QVERIFY(suggested.contains(QStringLiteral("int:0")));
            QVERIFY(
                report.value(QStringLiteral("suggestion_note")).toString().contains(QStringLiteral("placeholders")));
            return;
        }
        QVERIFY2(report.value(QStringLiteral("suggestion_checked")).toBool(),
            qPrintable(report.value(QStringLiteral("suggestion_note")).toString()));
        // Runs as printed.
        const CliResult profiled = runCli(QStringList { QStringLiteral("profile"), model } + inputArguments(suggested)
            + QStringList { QStringLiteral("--iterations"), QStringLiteral("1"), QStringLiteral("--db"), database() });
        QVERIFY2(profiled.exitCode == 0, qPrintable(profiled.err));
        // The text form prints the same line, quoted for a shell.
        const CliResult text = runCli({ QStringLiteral("inspect"), model });
        QVERIFY(text.out.contains(QStringLiteral("Signature        forward(")));
        QVERIFY(text.out.contains(QStringLiteral("Suggested input  --input ")));
    }

    void refusalsStoreNothing_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QStringList>("inputs");
        QTest::addColumn<QStringList>("messageParts");
        QTest::newRow("missing operators")
            << "missing_ops" << QStringList { QStringLiteral("4x16:int64:1..499") }
            << QStringList { QStringLiteral("is a TorchScript model that needs operators"),
                   QStringLiteral("memoscope_test::sdpa"), QStringLiteral("memoscope_test::rms_norm"),
                   QStringLiteral("aten::_safe_softmax"), QStringLiteral("--ops-library") };
        QTest::newRow("format too new") << "too_new" << QStringList { QStringLiteral("8x32") }
                                        << QStringList { QStringLiteral("format version 11"),
                                               QStringLiteral("up to version 10") };
        QTest::newRow("int argument given a tensor")
            << "voice_activity" << QStringList { QStringLiteral("4x8000"), QStringLiteral("4x8000") }
            << QStringList { QStringLiteral("argument 'sr' is int; got a tensor spec") };
        QTest::newRow("list argument given a tensor")
            << "ssdlite" << QStringList { QStringLiteral("1x3x64x64") }
            << QStringList { QStringLiteral("argument 'images' is List[Tensor]") };
        QTest::newRow("required argument left out")
            << "voice_activity" << QStringList { QStringLiteral("4x8000") }
            << QStringList { QStringLiteral("argument 'sr' (int) has no default") };
        QTest::newRow("range float32 cannot hold")
            << "multi_head" << QStringList { QStringLiteral("8x32:float32:0..1e300") }
            << QStringList { QStringLiteral("float32 holds") };
        QTest::newRow("range bool cannot hold") << "multi_head" << QStringList { QStringLiteral("8x32:bool:0..5") }
                                                << QStringList { QStringLiteral("bool holds 0..1") };
        QTest::newRow("newline in a spec") << "multi_head" << QStringList { QStringLiteral("8x32\n") }
                                           << QStringList { QStringLiteral("control character") };
        QTest::newRow("folder as input") << "multi_head" << QStringList { QDir::tempPath() }
                                         << QStringList { QStringLiteral("is a folder") };
    }
    void refusalsStoreNothing()
    {
        QFETCH(QString, model);
        QFETCH(QStringList, inputs);
        QFETCH(QStringList, messageParts);
        const QString db = m_dir.filePath(QStringLiteral("refusals.sqlite"));
        QStringList arguments { QStringLiteral("profile"), realWorld(model + QStringLiteral(".pt")) };
        for (const QString& input : inputs)
            arguments << QStringLiteral("--input") << input;
        const CliResult result = runCli(arguments + QStringList { QStringLiteral("--db"), db });
        QCOMPARE(result.exitCode, 2);
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0); // one line
        QVERIFY(!result.err.contains(QStringLiteral("not a TorchScript model")));
        for (const QString& part : messageParts)
            QVERIFY2(result.err.contains(part), qPrintable(result.err));
        const CliResult runs = runCli({ QStringLiteral("runs"), QStringLiteral("--json"), QStringLiteral("--db"), db });
        QCOMPARE(QJsonDocument::fromJson(runs.out.toUtf8()).array().size(), 0);
    }

    void operatorLibraries()
    {
        const QString model = realWorld(QStringLiteral("custom_ops.pt"));
        const QStringList inputs { QStringLiteral("--input"), QStringLiteral("4x16:int64:1..499") };
        const CliResult without = runCli(QStringList { QStringLiteral("profile"), model } + inputs
            + QStringList { QStringLiteral("--db"), database() });
        QCOMPARE(without.exitCode, 2);
        QVERIFY2(without.err.contains(QStringLiteral("memoscope_test::sdpa")), qPrintable(without.err));
        const QString library = QStringLiteral(MEMOSCOPE_TEST_OPERATORS);
        const CliResult with
            = runCli(QStringList { QStringLiteral("profile"), model, QStringLiteral("--ops-library"), library } + inputs
                + QStringList { QStringLiteral("--mode"), QStringLiteral("train"), QStringLiteral("--iterations"),
                    QStringLiteral("1"), QStringLiteral("--json"), QStringLiteral("--db"), database() });
        QVERIFY2(with.exitCode == 0, qPrintable(with.err));
        const QJsonObject run = with.json();
        QVERIFY(run.value(QStringLiteral("operator_libraries")).toArray().contains(library));
        QVERIFY(run.value(QStringLiteral("config"))
                    .toObject()
                    .value(QStringLiteral("ops_libraries"))
                    .toArray()
                    .contains(library));
        // The same option on the other commands that load a model.
        const CliResult inspected
            = runCli({ QStringLiteral("inspect"), model, QStringLiteral("--ops-library"), library });
        QVERIFY2(inspected.exitCode == 0, qPrintable(inspected.err));
        const CliResult missing = runCli({ QStringLiteral("inspect"), model, QStringLiteral("--ops-library"),
            m_dir.filePath(QStringLiteral("none.so")) });
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(missing.err.contains(QStringLiteral("does not exist")));
    }

private:
    QString database() const { return m_dir.filePath(QStringLiteral("runs.sqlite")); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestRealWorld)
#include "tst_real_world.moc"
