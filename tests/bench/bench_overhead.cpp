// Overhead benchmark: the same iterations traced and with --no-trace, alternating run by run, and the ratio
// of their median iteration times. Not a test: it prints figures (goal: at most 1.03x).
//
// It measures twice: in the default environment, and with glibc's malloc pinned to the heap
// (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_). By default glibc serves large blocks with mmap and raises
// its threshold as blocks are freed, so a process's speed depends on its heap's history: measured here,
// that alone made traced runs of resnet18 inference 14 % *faster* than untraced ones. Pinned, the ratio is
// the instrumentation's own cost.
// Usage: bench_overhead MODEL.pt INPUT_SPEC [PAIRS=7] [ITERATIONS=5]

#include <QCoreApplication>
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
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_overhead MODEL.pt INPUT_SPEC [PAIRS=7] [ITERATIONS=5]\n");
        return 2;
    }
    const QString model = QString::fromLocal8Bit(argv[1]);
    const QString input = QString::fromLocal8Bit(argv[2]);
    const int pairs = argc > 3 ? std::atoi(argv[3]) : 7;
    const QString iterations = argc > 4 ? QString::fromLocal8Bit(argv[4]) : QStringLiteral("5");
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));

    for (const bool pinnedMalloc : { false, true })
    for (const char* mode : { "inference", "train" }) {
        std::printf("\n%s, %s malloc\n%5s %12s %12s %8s\n", mode, pinnedMalloc ? "pinned" : "default", "pair",
            "traced ms", "untraced ms", "ratio");
        const QStringList common { QStringLiteral("profile"), model, QStringLiteral("--input"), input,
            QStringLiteral("--mode"), QString::fromLatin1(mode), QStringLiteral("--iterations"), iterations,
            QStringLiteral("--warmup"), QStringLiteral("2"), QStringLiteral("--threads"), QStringLiteral("1"),
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
                return 1;
            traced.push_back(t);
            untraced.push_back(u);
            ratios.push_back(t / u);
            std::printf("%5d %12.2f %12.2f %8.4f\n", pair + 1, t, u, t / u);
        }
        std::printf("median: traced %.2f ms, untraced %.2f ms, ratio of medians %.4fx, median of ratios %.4fx\n",
            median(traced), median(untraced), median(traced) / median(untraced), median(ratios));
    }
    return 0;
}
