// Gradient checkpointing, Memoscope's against PyTorch's, side by side in one session: peak bytes and step time of
// a training step (SGD with momentum, batch 8 at 224x224 by default) without checkpointing, with module-level
// checkpointing (--checkpoint auto), with selective checkpointing (--checkpoint selective: blocks that keep their
// convolutions' outputs and recompute the rest), and PyTorch's torch.utils.checkpoint.checkpoint_sequential over
// the same model file (tests/bench/pytorch_checkpoint.py --sequential, Debian's python3), each as a ratio of its
// own run without checkpointing. Memoscope's peaks come from traced runs, its step times from --no-trace runs; the
// selective plan's predicted peak and step are printed beside what was measured.
// Architectures are made with random weights by tests/fixtures/make_architectures.py. Not a test: it prints
// figures (goal: selective at 0.50x of the peak or lower, at 1.15x of the step time or less).
// Usage: bench_checkpointing [BATCH=8] [STEPS=3] [ARCH,ARCH,...=efficientnet_b0,resnet50] [ROUNDS=3]

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

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

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t mid = values.size() / 2;
    return values.empty() ? 0 : values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

QStringList profileArguments(const QString& model, int batch, const QString& checkpoint, const QString& db)
{
    return { QStringLiteral("profile"), model, QStringLiteral("--input"), QStringLiteral("%1x3x224x224").arg(batch),
        QStringLiteral("--mode"), QStringLiteral("train"), QStringLiteral("--optimizer"), QStringLiteral("sgd"),
        QStringLiteral("--checkpoint"), checkpoint, QStringLiteral("--json"), QStringLiteral("--db"), db };
}

// One plan's traced run: the peak, and for a planned choice (budget=, selective) the plan it ran, as the
// --checkpoint text that runs it again without planning.
struct TracedRun {
    double peakBytes = 0;
    QString checkpoint;
    Figures planned;
};

TracedRun traced(const QString& model, int batch, const QString& checkpoint, const QString& db)
{
    const QJsonObject json = run(QStringLiteral(MEMOSCOPE_CLI),
        profileArguments(model, batch, checkpoint, db) + QStringList { QStringLiteral("--iterations"), QStringLiteral("1") });
    QStringList segments;
    for (const QJsonValue& segment : json.value(QStringLiteral("checkpoint_segments")).toArray())
        segments << segment.toString();
    return TracedRun { json.value(QStringLiteral("peak_bytes")).toDouble(),
        segments.isEmpty() ? QStringLiteral("none") : segments.join(QLatin1Char(',')),
        Figures { json.value(QStringLiteral("planned_peak_bytes")).toDouble(),
            json.value(QStringLiteral("planned_step_ms")).toDouble() } };
}

double untracedStepMs(const QString& model, int batch, int steps, const QString& checkpoint, const QString& db)
{
    return run(QStringLiteral(MEMOSCOPE_CLI),
        profileArguments(model, batch, checkpoint, db)
            + QStringList { QStringLiteral("--iterations"), QString::number(steps), QStringLiteral("--no-trace") })
        .value(QStringLiteral("iteration_ms_median"))
        .toDouble();
}

void row(const char* who, const Figures& plain, const Figures& checkpointed, double stepRatio)
{
    std::printf("  %-36s %9.1f %9.1f %7.3fx %9.0f %9.0f %7.3fx\n", who, plain.peakBytes / 1e6,
        checkpointed.peakBytes / 1e6, checkpointed.peakBytes / plain.peakBytes, plain.stepMs, checkpointed.stepMs,
        stepRatio);
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

// Peaks from one traced run per plan; step times from `rounds` rounds of untraced runs of none, auto and the
// selective plan (the plan the traced run chose, given by hand so it is not planned again), one after the other:
// the step ratio is the median of the rounds' ratios, so that a slow spell of a shared machine falls on one round
// of all three rather than on one plan.
void compare(const QString& name, const QString& model, int batch, int steps, int rounds, const QString& db)
{
    std::printf("\n%s training, batch %d at 224x224, SGD, %d timed steps per run, %d rounds\n", qPrintable(name), batch,
        steps, rounds);
    std::printf("  %-36s %9s %9s %8s %9s %9s %8s\n", "", "none MB", "ckpt MB", "peak", "none ms", "ckpt ms", "step");
    const TracedRun none = traced(model, batch, QStringLiteral("none"), db);
    const TracedRun automatic = traced(model, batch, QStringLiteral("auto"), db);
    const TracedRun selective = traced(model, batch, QStringLiteral("selective"), db);
    std::vector<double> noneMs, autoMs, selectiveMs, autoRatios, selectiveRatios;
    for (int round = 0; round < rounds; ++round) {
        noneMs.push_back(untracedStepMs(model, batch, steps, QStringLiteral("none"), db));
        autoMs.push_back(untracedStepMs(model, batch, steps, QStringLiteral("auto"), db));
        selectiveMs.push_back(untracedStepMs(model, batch, steps, selective.checkpoint, db));
        autoRatios.push_back(autoMs.back() / noneMs.back());
        selectiveRatios.push_back(selectiveMs.back() / noneMs.back());
    }
    const Figures plain { none.peakBytes, median(noneMs) };
    row("Memoscope module-level (auto)", plain, Figures { automatic.peakBytes, median(autoMs) }, median(autoRatios));
    const Figures measured { selective.peakBytes, median(selectiveMs) };
    row("Memoscope selective", plain, measured, median(selectiveRatios));
    // The advisor's prediction against the run, with the tolerances the issue states for the peak (10 %) and this
    // bench states for the step (15 %: the plan's step is one traced calibration step plus the measured forward
    // time of what it recomputes, compared here with the median of untraced steps).
    const Figures& planned = selective.planned;
    const double peakError = (planned.peakBytes - measured.peakBytes) / measured.peakBytes;
    const double stepError = (planned.stepMs - measured.stepMs) / measured.stepMs;
    std::printf("  %-36s predicted peak %.1f MB (measured %.1f MB, %+.1f %%: %s), step %.0f ms (measured %.0f ms, "
                "%+.1f %%: %s)\n",
        "", planned.peakBytes / 1e6, measured.peakBytes / 1e6, 100.0 * peakError,
        std::abs(peakError) <= 0.10 ? "within 10 %" : "OUTSIDE 10 %", planned.stepMs, measured.stepMs,
        100.0 * stepError, std::abs(stepError) <= 0.15 ? "within 15 %" : "OUTSIDE 15 %");
    std::printf("  %-36s plan: %s\n", "", qPrintable(selective.checkpoint));
    // PyTorch's runs time their steps without and with checkpointing in one process: its ratio too is the median
    // of `rounds` runs, its peaks those of the first.
    std::vector<double> pythonRatios;
    Figures pythonPlain, pythonCheckpointed;
    for (int round = 0; round < rounds; ++round) {
        const QJsonObject python = run(QStringLiteral(MEMOSCOPE_PYTHON),
            { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/bench/pytorch_checkpoint.py"), model, QString::number(batch),
                QString::number(steps), QStringLiteral("0"), QStringLiteral("--sequential") });
        if (python.isEmpty()) {
            std::printf("  PyTorch: not measured (see the error above)\n");
            return;
        }
        const Figures plain = figuresOf(python.value(QStringLiteral("plain")).toObject());
        const Figures checkpointed = figuresOf(python.value(QStringLiteral("checkpointed")).toObject());
        if (round == 0)
            pythonPlain = plain, pythonCheckpointed = checkpointed;
        pythonRatios.push_back(checkpointed.stepMs / plain.stepMs);
    }
    row("PyTorch checkpoint_sequential", pythonPlain, pythonCheckpointed, median(pythonRatios));
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int batch = argc > 1 ? std::atoi(argv[1]) : 8;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 3;
    const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
    const QStringList names = argc > 3 ? QString::fromLocal8Bit(argv[3]).split(QLatin1Char(','))
                                       : QStringList { QStringLiteral("efficientnet_b0"), QStringLiteral("resnet50") };
    QTemporaryDir dir;
    if (!makeArchitectures(dir.path(), names)) {
        std::fprintf(stderr, "make_architectures.py failed\n");
        return 1;
    }
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));
    for (const QString& name : names)
        compare(name, dir.filePath(name + QStringLiteral(".pt")), batch, steps, rounds, db);
    return 0;
}
