// Structured pruning at 0.5 (uniform ratio, L1) on torchvision classification models made with random weights:
// parameters after / before, as model.parameters() counts them, and with --measure the peak memory and latency
// of inference at batch 8 before and after, measured side by side in one run. Not a test: it prints figures.
// Usage: bench_pruning [--measure] [NAME ...]   (NAME: a torchvision.models builder; default: the list)

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <cstdio>

namespace {
QJsonObject run(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.start(program, arguments);
    process.waitForFinished(3600000);
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

QJsonObject cli(const QStringList& arguments) { return run(QStringLiteral(MEMOSCOPE_CLI), arguments); }

double latencyMs(const QString& model, const QString& input, const QString& db)
{
    return cli({ QStringLiteral("profile"), model, QStringLiteral("--input"), input, QStringLiteral("--no-trace"),
                   QStringLiteral("--iterations"), QStringLiteral("10"), QStringLiteral("--threads"),
                   QStringLiteral("1"), QStringLiteral("--json"), QStringLiteral("--db"), db })
        .value(QStringLiteral("iteration_ms_median"))
        .toDouble();
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList names = app.arguments().mid(1);
    const bool measure = names.removeAll(QStringLiteral("--measure")) > 0;
    if (names.isEmpty())
        names = { "resnet50", "densenet121", "vgg11_bn", "mobilenet_v3_small", "efficientnet_b0", "googlenet",
            "regnet_x_400mf", "regnet_y_400mf", "resnext50_32x4d", "convnext_tiny", "shufflenet_v2_x1_0", "vit_b_16" };
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));
    std::printf("%-20s %12s %12s %8s", "model", "params", "pruned", "ratio");
    if (measure)
        std::printf(" %12s %12s %10s %10s", "peak", "pruned peak", "ms", "pruned ms");
    std::printf("\n");
    for (const QString& name : names) {
        run(QStringLiteral(MEMOSCOPE_PYTHON),
            { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/fixtures/make_architectures.py"), dir.path(), name });
        const QString model = dir.filePath(name + QStringLiteral(".pt"));
        const QString out = dir.filePath(name + QStringLiteral("-pruned.pt"));
        // ViT's patch grid is fixed at 224x224; the others are measured at that size too.
        const QString input = measure ? QStringLiteral("8x3x224x224") : QStringLiteral("1x3x224x224");
        QStringList arguments { QStringLiteral("optimize"), model, QStringLiteral("--apply"),
            QStringLiteral("prune-structured=0.5"), QStringLiteral("--input"), input, QStringLiteral("--out"), out,
            QStringLiteral("--db"), db, QStringLiteral("--json") };
        if (measure)
            arguments << QStringLiteral("--profile");
        const QJsonObject record = cli(arguments);
        if (record.isEmpty()) {
            std::printf("%-20s refused or failed\n", qPrintable(name));
            continue;
        }
        // Parameters as counts (bytes / 4 for these float32 models), as model.parameters() and Torch-Pruning
        // count them: BatchNorm running statistics are buffers, not parameters.
        const double before = record.value(QStringLiteral("param_bytes_before")).toDouble();
        const double after = record.value(QStringLiteral("param_bytes_after")).toDouble();
        std::printf("%-20s %10.2f M %10.2f M %7.3fx", qPrintable(name), before / 4e6, after / 4e6, after / before);
        if (measure)
            std::printf(" %8.1f MiB %8.1f MiB %10.1f %10.1f",
                record.value(QStringLiteral("peak_bytes_before")).toDouble() / 1048576.0,
                record.value(QStringLiteral("peak_bytes_after")).toDouble() / 1048576.0, latencyMs(model, input, db),
                latencyMs(out, input, db));
        std::printf("\n");
        std::fflush(stdout);
        QFile::remove(model);
        QFile::remove(out);
    }
    return 0;
}
