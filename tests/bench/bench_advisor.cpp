// The advisor's prediction error across fixtures: for every lever that can be applied today, the saving the
// advisor predicts from a baseline run against the saving measured after applying it for real (optimize
// --apply ... --profile, or profiling again with the option). Prints one row per lever and the median error.
//   build/tests/bench/bench_advisor [quick]

#include "advisor/MeasuredSaving.h"

#include <QCoreApplication>
#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

using namespace memoscope::test;

namespace {
struct Case {
    Workload workload;
    QStringList levers;
};

double median(std::vector<double> values)
{
    if (values.empty())
        return NAN;
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

QString leverName(const QString& lever)
{
    if (lever.startsWith(QLatin1String("--input")))
        return QStringLiteral("batch/2");
    if (lever.startsWith(QLatin1String("--checkpoint")))
        return QStringLiteral("checkpoint");
    return lever;
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = app.arguments().contains(QStringLiteral("quick"));
    const QStringList precision { "bf16", "fp16", "int8-dynamic", "int8-weight-only", "int8-static",
        "prune-structured=0.5" };
    QVector<Case> cases {
        { { "resnet18", "2x3x128x128", "inference", "sgd", 2 },
            precision + QStringList { "--input 1x3x128x128:float32" } },
        { { "transformer", "4x32:int64:0..999", "inference", "sgd", 2 },
            precision + QStringList { "--input 2x32:int64:0..999" } },
        { { "mobilenet_v2", "2x3x128x128", "inference", "sgd", 2 }, precision },
        { { "lstm_lm", "4x32:int64:0..7999", "inference", "sgd", 2 },
            { "bf16", "fp16", "int8-dynamic", "int8-weight-only" } },
        { { "resnet18", "4x3x64x64", "train", "sgd", 1 },
            { "bf16", "prune-structured=0.5", "--input 2x3x64x64:float32" } },
        { { "resnet18", "8x3x224x224", "train", "sgd", 1 }, { "--checkpoint layer1" } },
        { { "deep_mlp", "2048x256", "train", "sgd", 1 },
            { "--checkpoint block0,block1,block2,block3,block4", "--input 1024x256:float32", "bf16" } },
        { { "mlp", "64x64", "train", "adam", 2 }, { "--optimizer sgd", "--input 32x64:float32" } },
        { { "mlp", "8x64", "train", "adam", 2 }, { "--optimizer sgd" } },
        { { "transformer", "4x32:int64:0..999", "train", "adam", 1 }, { "--optimizer sgd" } },
    };
    if (quick)
        cases = { cases[1], cases[7], cases[8] };

    QTemporaryDir dir;
    const QString database = dir.filePath(QStringLiteral("runs.sqlite"));
    std::map<QString, std::vector<double>> errors;
    std::vector<double> all;
    std::printf("%-42s %-22s %14s %14s %9s\n", "workload", "lever", "predicted", "measured", "error");
    for (const Case& c : cases) {
        for (const QString& lever : c.levers) {
            const SavingCheck check = checkSaving(c.workload, lever, database, dir.path());
            if (!check.error.isEmpty()) {
                std::printf("%-42s %-22s failed: %s\n", qPrintable(c.workload.label()), qPrintable(leverName(lever)),
                    qPrintable(check.error.simplified().left(100)));
                continue;
            }
            // A saving under 1 % of the peak (int8-static where nothing could be quantized) has no meaningful
            // relative error: shown, not counted.
            const bool meaningful = std::llabs(check.measuredSaving) >= check.baselinePeak / 100;
            std::printf("%-42s %-22s %14lld %14lld %8.1f%%%s\n", qPrintable(c.workload.label()),
                qPrintable(leverName(lever)), check.predictedSaving, check.measuredSaving, 100 * check.relativeError(),
                meaningful ? "" : " (not counted)");
            std::fflush(stdout);
            if (meaningful) {
                errors[leverName(lever)].push_back(std::abs(check.relativeError()));
                all.push_back(std::abs(check.relativeError()));
            }
        }
    }
    std::printf("\nmedian |error| per lever:\n");
    for (const auto& [lever, values] : errors)
        std::printf("  %-22s %6.1f %% over %zu workloads\n", qPrintable(lever), 100 * median(values), values.size());
    std::printf("  %-22s %6.1f %% over %zu predictions\n", "all levers", 100 * median(all), all.size());
    std::printf("streaming needs a data set (--data), which these workloads do not read: tst_training and "
                "tst_gui_flow measure it\n");
    return 0;
}
