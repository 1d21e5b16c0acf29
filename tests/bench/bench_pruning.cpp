// Structured pruning at 0.5 (per layer, L1): parameters, peak memory and latency before and after, measured
// side by side in one run. Not a test: it prints figures. For reference, Torch-Pruning publishes ResNet-50
// with half its channels removed going from 25.56 M to 6.41 M parameters.
// Usage: bench_pruning FIXTURES_DIR [EXTRA_MODEL.pt ...]  (resnet18 and mobilenet_v2 from the fixtures)

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <cstdio>

namespace {
QJsonObject cli(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(MEMOSCOPE_CLI), arguments);
    process.waitForFinished(3600000);
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

double latencyMs(const QString& model, const QString& input, const QString& db)
{
    return cli({ QStringLiteral("profile"), model, QStringLiteral("--input"), input, QStringLiteral("--no-trace"),
                   QStringLiteral("--iterations"), QStringLiteral("10"), QStringLiteral("--threads"), QStringLiteral("1"),
                   QStringLiteral("--json"), QStringLiteral("--db"), db })
        .value(QStringLiteral("iteration_ms_median"))
        .toDouble();
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_pruning FIXTURES_DIR [EXTRA_MODEL.pt ...]\n");
        return 2;
    }
    QStringList models { QString::fromLocal8Bit(argv[1]) + QStringLiteral("/resnet18.pt"),
        QString::fromLocal8Bit(argv[1]) + QStringLiteral("/mobilenet_v2.pt") };
    for (int i = 2; i < argc; ++i)
        models << QString::fromLocal8Bit(argv[i]);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));
    const QString input = QStringLiteral("8x3x224x224");
    std::printf("%-18s %14s %14s %14s %14s %10s %10s\n", "model (batch 8)", "params before", "params after",
        "peak before", "peak after", "ms before", "ms after");
    for (const QString& model : models) {
        const QString out = dir.filePath(QFileInfo(model).baseName() + QStringLiteral("-pruned.pt"));
        const QJsonObject record = cli({ QStringLiteral("optimize"), model, QStringLiteral("--apply"),
            QStringLiteral("prune-structured=0.5"), QStringLiteral("--input"), input, QStringLiteral("--out"), out,
            QStringLiteral("--profile"), QStringLiteral("--db"), db, QStringLiteral("--json") });
        if (record.isEmpty()) {
            std::printf("%-18s refused or failed\n", qPrintable(QFileInfo(model).baseName()));
            continue;
        }
        // Parameters as counts (bytes / 4 for these float32 models), as model.parameters() and Torch-Pruning
        // count them: BatchNorm running statistics are buffers, not parameters.
        std::printf("%-18s %12.2f M %12.2f M %12.1f MiB %11.1f MiB %10.1f %10.1f\n", qPrintable(QFileInfo(model).baseName()),
            record.value(QStringLiteral("param_bytes_before")).toDouble() / 4e6,
            record.value(QStringLiteral("param_bytes_after")).toDouble() / 4e6,
            record.value(QStringLiteral("peak_bytes_before")).toDouble() / 1048576.0,
            record.value(QStringLiteral("peak_bytes_after")).toDouble() / 1048576.0, latencyMs(model, input, db),
            latencyMs(out, input, db));
    }
    return 0;
}
