// Gradient checkpointing, Memoscope's against PyTorch's, side by side in one session: peak bytes and step time of
// a training step (SGD with momentum, batch 8 at 224x224 by default) without checkpointing, with module-level
// checkpointing (--checkpoint auto), with selective checkpointing (--checkpoint selective: blocks that keep their
// convolutions' outputs and recompute the rest), and PyTorch's torch.utils.checkpoint.checkpoint_sequential over
// the same model file (tests/bench/pytorch_checkpoint.py --sequential, Debian's python3), each as a ratio of its
// own run without checkpointing. Memoscope's peaks come from traced runs, its step times from --no-trace runs; the
// selective plan's predicted peak and step are printed beside what was measured.
// Architectures are made with random weights by tests/fixtures/make_architectures.py. Not a test: it prints
// figures (goal: selective at 0.50x of the peak or lower, at 1.15x of the step time or less).
// Usage: bench_checkpointing [BATCH=8] [STEPS=3] [ARCH,ARCH,...=efficientnet_b0,resnet50]

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

Figures memoscope(const QString& model, int batch, int steps, const QString& checkpoint, const QString& db,
    Figures* planned = nullptr)
{
    const QStringList common { QStringLiteral("profile"), model, QStringLiteral("--input"),
        QStringLiteral("%1x3x224x224").arg(batch), QStringLiteral("--mode"), QStringLiteral("train"),
        QStringLiteral("--optimizer"), QStringLiteral("sgd"), QStringLiteral("--checkpoint"), checkpoint,
        QStringLiteral("--json"), QStringLiteral("--db"), db };
    const QJsonObject traced = run(
        QStringLiteral(MEMOSCOPE_CLI), common + QStringList { QStringLiteral("--iterations"), QStringLiteral("1") });
    const QJsonObject untraced = run(QStringLiteral(MEMOSCOPE_CLI),
        common + QStringList { QStringLiteral("--iterations"), QString::number(steps), QStringLiteral("--no-trace") });
    if (planned)
        *planned = Figures { traced.value(QStringLiteral("planned_peak_bytes")).toDouble(),
            traced.value(QStringLiteral("planned_step_ms")).toDouble() };
    return Figures { traced.value(QStringLiteral("peak_bytes")).toDouble(),
        untraced.value(QStringLiteral("iteration_ms_median")).toDouble() };
}

void row(const char* who, const Figures& plain, const Figures& checkpointed)
{
    std::printf("  %-36s %9.1f %9.1f %7.3fx %9.0f %9.0f %7.3fx\n", who, plain.peakBytes / 1e6,
        checkpointed.peakBytes / 1e6, checkpointed.peakBytes / plain.peakBytes, plain.stepMs, checkpointed.stepMs,
        checkpointed.stepMs / plain.stepMs);
}

Figures figuresOf(const QJsonObject& json)
{
    return Figures { json.value(QStringLiteral("peak_bytes")).toDouble(),
        json.value(QStringLiteral("step_ms")).toDouble() };
}

bool makeArchitectures(const QString& folder, const QStringList& names)
{
    QProcess python;
    python.start(QStringLiteral(MEMOSCOPE_PYTHON),
        QStringList { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/fixtures/make_architectures.py"), folder } + names);
    python.waitForFinished(-1);
    return python.exitCode() == 0;
}

void compare(const QString& name, const QString& model, int batch, int steps, const QString& db)
{
    std::printf("\n%s training, batch %d at 224x224, SGD, %d timed steps\n", qPrintable(name), batch, steps);
    std::printf("  %-36s %9s %9s %8s %9s %9s %8s\n", "", "none MB", "ckpt MB", "peak", "none ms", "ckpt ms", "step");
    const Figures none = memoscope(model, batch, steps, QStringLiteral("none"), db);
    row("Memoscope module-level (auto)", none, memoscope(model, batch, steps, QStringLiteral("auto"), db));
    Figures planned;
    const Figures selective = memoscope(model, batch, steps, QStringLiteral("selective"), db, &planned);
    row("Memoscope selective", none, selective);
    std::printf("  %-36s predicted peak %.1f MB (measured %.1f MB, %+.1f %%), step %.0f ms (measured %.0f ms, "
                "%+.1f %%)\n",
        "", planned.peakBytes / 1e6, selective.peakBytes / 1e6,
        100.0 * (planned.peakBytes - selective.peakBytes) / selective.peakBytes, planned.stepMs, selective.stepMs,
        100.0 * (planned.stepMs - selective.stepMs) / selective.stepMs);
    const QJsonObject python = run(QStringLiteral(MEMOSCOPE_PYTHON),
        { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/bench/pytorch_checkpoint.py"), model, QString::number(batch),
            QString::number(steps), QStringLiteral("0"), QStringLiteral("--sequential") });
    if (python.isEmpty()) {
        std::printf("  PyTorch: not measured (see the error above)\n");
        return;
    }
    row("PyTorch checkpoint_sequential", figuresOf(python.value(QStringLiteral("plain")).toObject()),
        figuresOf(python.value(QStringLiteral("checkpointed")).toObject()));
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int batch = argc > 1 ? std::atoi(argv[1]) : 8;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 3;
    const QStringList names = argc > 3 ? QString::fromLocal8Bit(argv[3]).split(QLatin1Char(','))
                                       : QStringList { QStringLiteral("efficientnet_b0"), QStringLiteral("resnet50") };
    QTemporaryDir dir;
    if (!makeArchitectures(dir.path(), names)) {
        std::fprintf(stderr, "make_architectures.py failed\n");
        return 1;
    }
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));
    for (const QString& name : names)
        compare(name, dir.filePath(name + QStringLiteral(".pt")), batch, steps, db);
    return 0;
}
