// Gradient checkpointing on resnet18 at batch 16 (224x224), Memoscope's against PyTorch's
// torch.utils.checkpoint on the same model file and the same segments (layer1..layer4): peak bytes and step
// time without and with checkpointing, and both as ratios. Memoscope's peak comes from a traced run, its step
// time from --no-trace runs; PyTorch's from tests/bench/pytorch_checkpoint.py with Debian's python3.
// Not a test: it prints figures.
// Usage: bench_checkpointing FIXTURES_DIR [BATCH=16] [STEPS=3]

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <cstdio>
#include <cstdlib>

namespace {
QJsonObject run(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.start(program, arguments);
    process.waitForFinished(-1);
    if (process.exitCode() != 0)
        std::fprintf(stderr, "%s failed: %s\n", qPrintable(program), process.readAllStandardError().constData());
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

struct Figures {
    double peakBytes = 0;
    double stepMs = 0;
};

Figures memoscope(const QString& model, int batch, int steps, const QString& checkpoint, const QString& db)
{
    const QStringList common { QStringLiteral("profile"), model, QStringLiteral("--input"),
        QStringLiteral("%1x3x224x224").arg(batch), QStringLiteral("--mode"), QStringLiteral("train"),
        QStringLiteral("--checkpoint"), checkpoint, QStringLiteral("--json"), QStringLiteral("--db"), db };
    const QJsonObject traced = run(
        QStringLiteral(MEMOSCOPE_CLI), common + QStringList { QStringLiteral("--iterations"), QStringLiteral("1") });
    const QJsonObject untraced = run(QStringLiteral(MEMOSCOPE_CLI),
        common + QStringList { QStringLiteral("--iterations"), QString::number(steps), QStringLiteral("--no-trace") });
    return Figures { traced.value(QStringLiteral("peak_bytes")).toDouble(),
        untraced.value(QStringLiteral("iteration_ms_median")).toDouble() };
}

void row(const char* who, const Figures& plain, const Figures& checkpointed)
{
    std::printf("  %-32s %10.1f %10.1f %8.3f %10.0f %10.0f %8.3f\n", who, plain.peakBytes / 1e6,
        checkpointed.peakBytes / 1e6, checkpointed.peakBytes / plain.peakBytes, plain.stepMs, checkpointed.stepMs,
        checkpointed.stepMs / plain.stepMs);
}

Figures figuresOf(const QJsonObject& json)
{
    return Figures { json.value(QStringLiteral("peak_bytes")).toDouble(),
        json.value(QStringLiteral("step_ms")).toDouble() };
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_checkpointing FIXTURES_DIR [BATCH=16] [STEPS=3]\n");
        return 2;
    }
    const QString model = QString::fromLocal8Bit(argv[1]) + QStringLiteral("/resnet18.pt");
    const int batch = argc > 2 ? std::atoi(argv[2]) : 16;
    const int steps = argc > 3 ? std::atoi(argv[3]) : 3;
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));

    std::printf("resnet18 training, batch %d at 224x224, segments layer1..layer4, %d timed steps\n", batch, steps);
    std::printf(
        "  %-32s %10s %10s %8s %10s %10s %8s\n", "", "peak MB", "ckpt MB", "ratio", "step ms", "ckpt ms", "ratio");
    row("Memoscope (C++ checkpoint op)", memoscope(model, batch, steps, QStringLiteral("none"), db),
        memoscope(model, batch, steps, QStringLiteral("layer1,layer2,layer3,layer4"), db));
    const QJsonObject python = run(QStringLiteral(MEMOSCOPE_PYTHON),
        { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/bench/pytorch_checkpoint.py"), model, QString::number(batch),
            QString::number(steps) });
    if (python.isEmpty()) {
        std::printf("  PyTorch: not measured (see the error above)\n");
        return 1;
    }
    row("PyTorch torch.utils.checkpoint", figuresOf(python.value(QStringLiteral("plain")).toObject()),
        figuresOf(python.value(QStringLiteral("checkpointed")).toObject()));
    return 0;
}
