// The real-world corpus as a table (tests/fixtures/make_real_world.py, random weights): how each model came in,
// its load time, peak, parameters (constants included) and attributed fraction, profiled in inference at the
// corpus's inputs; then the time from `memoscope-cli from-python` to the stored profile, for resnet50.
// Not a test: it prints figures.
// Usage: bench_real_world [CORPUS_DIR=build/fixtures/real_world]

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <cstdio>

namespace {
QJsonObject runJson(const QString& program, const QStringList& arguments, QString* error)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(3600000) || process.exitCode() != 0) {
        *error = QString::fromUtf8(process.readAllStandardError()).trimmed();
        return {};
    }
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

QString mib(double bytes) { return QString::number(bytes / 1048576.0, 'f', 1) + QStringLiteral(" MiB"); }
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QString corpus = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(MEMOSCOPE_REAL_WORLD_DIR);
    QProcess make;
    make.start(QStringLiteral(MEMOSCOPE_PYTHON),
        { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/fixtures/make_real_world.py"), corpus, QStringLiteral("all") });
    make.waitForFinished(3600000);
    QTemporaryDir work;
    const QString db = work.filePath(QStringLiteral("runs.sqlite"));
    const QStringList names = { QStringLiteral("fasterrcnn"), QStringLiteral("ssdlite"),
        QStringLiteral("voice_activity"), QStringLiteral("multi_head"), QStringLiteral("resnet18_frozen"),
        QStringLiteral("resnet18_mobile"), QStringLiteral("text_quantized"), QStringLiteral("sdpa_causal"),
        QStringLiteral("sdpa_additive"), QStringLiteral("sdpa_scale") };
    std::printf("| model | came in as | input | load | peak | parameters (held as constants) | attributed |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (const QString& name : names) {
        QFile file(QDir(corpus).filePath(name + QStringLiteral(".json")));
        file.open(QIODevice::ReadOnly);
        const QJsonObject entry = QJsonDocument::fromJson(file.readAll()).object();
        QStringList arguments { QStringLiteral("profile"), QDir(corpus).filePath(name + QStringLiteral(".pt")) };
        QStringList inputs;
        for (const QJsonValue& input : entry.value(QStringLiteral("inputs")).toArray()) {
            arguments << QStringLiteral("--input") << input.toString();
            inputs << input.toString();
        }
        arguments << QStringLiteral("--iterations") << QStringLiteral("3") << QStringLiteral("--json")
                  << QStringLiteral("--db") << db;
        QString error;
        const QJsonObject run = runJson(QStringLiteral(MEMOSCOPE_CLI), arguments, &error);
        if (run.isEmpty()) {
            std::printf("| %s | failed: %s |\n", qPrintable(name), qPrintable(error));
            continue;
        }
        std::printf("| %s | %s | `%s` | %.0f ms | %s | %s (%s) | %.4f |\n", qPrintable(name),
            qPrintable(entry.value(QStringLiteral("how")).toString()), qPrintable(inputs.join(QLatin1Char(' '))),
            run.value(QStringLiteral("load_ms")).toDouble(),
            qPrintable(mib(run.value(QStringLiteral("peak_bytes")).toDouble())),
            qPrintable(mib(run.value(QStringLiteral("param_bytes")).toDouble())),
            qPrintable(mib(run.value(QStringLiteral("constant_bytes")).toDouble())),
            run.value(QStringLiteral("attributed_fraction")).toDouble());
        std::fflush(stdout);
    }

    // From Python source to a stored profile, as a user would type it.
    QElapsedTimer timer;
    timer.start();
    QString error;
    const QJsonObject run = runJson(QStringLiteral(MEMOSCOPE_CLI),
        { QStringLiteral("from-python"), QStringLiteral("torchvision.models.resnet50()"), QStringLiteral("--example"),
            QStringLiteral("8x3x224x224"), QStringLiteral("--out"), work.filePath(QStringLiteral("resnet50.pt")),
            QStringLiteral("--profile"), QStringLiteral("--json"), QStringLiteral("--db"), db },
        &error);
    if (run.isEmpty())
        std::printf("\nfrom-python resnet50 failed: %s\n", qPrintable(error));
    else
        std::printf(
            "\nfrom-python 'torchvision.models.resnet50()' --example 8x3x224x224 --profile: %.1f s to the stored "
            "run %d (load %.0f ms, 3 iterations of %.0f ms median)\n",
            double(timer.elapsed()) / 1000.0, run.value(QStringLiteral("run_id")).toInt(),
            run.value(QStringLiteral("load_ms")).toDouble(),
            run.value(QStringLiteral("iteration_ms_median")).toDouble());
    return 0;
}
