// Overhead benchmark: the same iterations traced and with --no-trace, alternating run by run (which goes first
// alternates too), for torchvision architectures made with random weights, inference and training at batch 4,
// 224x224. Not a test: it prints the median of the pairs' ratios per architecture and mode (goal: at most 1.03x).
// Two of the architectures are made of many small ops (regnet_y_400mf: grouped convolutions and
// squeeze-and-excitation; mobilenet_v3_small: depthwise convolutions, hard-swish and squeeze-and-excitation), where
// the fixed cost per recorded op and allocation shows most.
//
// It measures in the default environment, and (with "pinned") with glibc's malloc pinned to the heap
// (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_). By default glibc serves large blocks with mmap and raises
// its threshold as blocks are freed, so a process's speed depends on its heap's history: measured here,
// that alone made traced runs of resnet18 inference 14 % *faster* than untraced ones. Pinned, the ratio is
// the instrumentation's own cost.
// Wall time on a machine shared with builds is noisy; instruction counts are not. To count the step's
// instructions traced and untraced:
//   valgrind --tool=callgrind --toggle-collect='memoscope::StepRunner::runIteration*' \
//       memoscope-cli profile MODEL.pt --input 2x3x64x64 --mode train --iterations 2 --threads 1 [--no-trace]
// Usage: bench_overhead [PAIRS=5] [ITERATIONS=3] [ARCH,ARCH,...] [pinned]
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <vector>

namespace {
double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// One profiling process; returns its median iteration time in ms, or a negative number on failure.
double iterationMs(const QStringList& arguments, bool pinnedMalloc)
{
    QProcess process;
    if (pinnedMalloc) {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("MALLOC_MMAP_THRESHOLD_"), QStringLiteral("1073741824"));
        environment.insert(QStringLiteral("MALLOC_TRIM_THRESHOLD_"), QStringLiteral("4294967296"));
        process.setProcessEnvironment(environment);
    }
    process.start(QStringLiteral(MEMOSCOPE_CLI), arguments);
    if (!process.waitForFinished(3600000) || process.exitCode() != 0) {
        std::fprintf(stderr, "memoscope-cli failed: %s\n", process.readAllStandardError().constData());
        return -1;
    }
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object().value(QStringLiteral("iteration_ms_median")).toDouble();
}


// Makes the architectures with tests/fixtures/make_architectures.py; false when Python failed.
bool makeArchitectures(const QString& folder, const QStringList& names)
{
    QProcess python;
    python.start(QStringLiteral(MEMOSCOPE_PYTHON),
        QStringList { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/fixtures/make_architectures.py"), folder } + names);
    python.waitForFinished(-1);
    if (python.exitCode() != 0)
        std::fprintf(stderr, "make_architectures.py failed: %s\n", python.readAllStandardError().constData());
    return python.exitCode() == 0;
}

// Median of the pairs' ratios (traced / untraced median iteration time) for one architecture and mode.
bool measure(const QString& model, const char* mode, int pairs, const QString& iterations, bool pinnedMalloc,
    const QString& db)
{
    const QStringList common { QStringLiteral("profile"), model, QStringLiteral("--input"),
        QStringLiteral("4x3x224x224"), QStringLiteral("--mode"), QString::fromLatin1(mode), QStringLiteral("--iterations"),
        iterations, QStringLiteral("--warmup"), QStringLiteral("2"), QStringLiteral("--threads"), QStringLiteral("1"),
        QStringLiteral("--json"), QStringLiteral("--db"), db };
    std::vector<double> traced, untraced, ratios;
    for (int pair = 0; pair < pairs; ++pair) {
        // Alternate which goes first, so drift in the machine's speed does not favour either.
        double t = 0, u = 0;
        if (pair % 2 == 0) {
            t = iterationMs(common, pinnedMalloc);
            u = iterationMs(common + QStringList { QStringLiteral("--no-trace") }, pinnedMalloc);
        } else {
            u = iterationMs(common + QStringList { QStringLiteral("--no-trace") }, pinnedMalloc);
            t = iterationMs(common, pinnedMalloc);
        }
        if (t <= 0 || u <= 0)
            return false;
        traced.push_back(t);
        untraced.push_back(u);
        ratios.push_back(t / u);
    }
    std::printf("%-20s %-9s %-7s %10.1f %10.1f %8.4fx   (pairs:", qPrintable(QFileInfo(model).baseName()), mode,
        pinnedMalloc ? "pinned" : "default", median(traced), median(untraced), median(ratios));
    for (const double ratio : ratios)
        std::printf(" %.3f", ratio);
    std::printf(")\n");
    std::fflush(stdout);
    return true;
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const int pairs = argc > 1 ? std::atoi(argv[1]) : 5;
    const QString iterations = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("3");
    const QStringList architectures = argc > 3
        ? QString::fromLocal8Bit(argv[3]).split(QLatin1Char(','))
        : QStringList { QStringLiteral("resnet18"), QStringLiteral("mobilenet_v2"), QStringLiteral("regnet_y_400mf"),
            QStringLiteral("mobilenet_v3_small") };
    const bool pinned = argc > 4 && QString::fromLocal8Bit(argv[4]) == QLatin1String("pinned");
    QTemporaryDir dir;
    if (!makeArchitectures(dir.path(), architectures))
        return 1;
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));
    std::printf("batch 4, 224x224, 1 thread, %s iterations per run, median of %d alternating pairs\n",
        qPrintable(iterations), pairs);
    std::printf("%-20s %-9s %-7s %10s %10s %9s\n", "architecture", "mode", "malloc", "traced ms", "plain ms", "ratio");
    for (const QString& name : architectures)
        for (const char* mode : { "inference", "train" })
            if (!measure(dir.filePath(name + QStringLiteral(".pt")), mode, pairs, iterations, pinned, db))
                return 1;
    return 0;
}
