// What checking the user's files costs. Not a test: it prints figures.
//   bench_files [MODEL.pt]   (default: resnet50 with random weights, made with Debian's python3)
// 1. The model-archive check (every record's CRC-32, every storage against its record) alone, and LibTorch's load
//    of the same file with the check as TorchModel::load does it and without, alternately, page cache warm: the
//    check must add less than 5 % to loading.
// 2. Refusing a --db that is not a database: in-process, and `memoscope-cli runs` end to end beside the same
//    command on a real store (process start-up included).

#include "core/Store.h"
#include "profiler/archive/ModelArchive.h"
#include "profiler/archive/ModelFileCheck.h"

#include <torch/script.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <functional>

using namespace memoscope;

namespace {
double medianMs(int rounds, const std::function<void()>& work)
{
    std::vector<double> times;
    for (int i = 0; i < rounds; ++i) {
        QElapsedTimer timer;
        timer.start();
        work();
        times.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

QString makeResnet50(const QTemporaryDir& dir)
{
    QProcess python;
    python.start(QStringLiteral(MEMOSCOPE_PYTHON),
        { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/fixtures/make_architectures.py"), dir.path(),
            QStringLiteral("resnet50") });
    python.waitForFinished(600000);
    return dir.filePath(QStringLiteral("resnet50.pt"));
}

int runCli(const QStringList& arguments)
{
    QProcess cli;
    cli.start(QStringLiteral(MEMOSCOPE_CLI), arguments);
    cli.waitForFinished(60000);
    return cli.exitCode();
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    const QString model = argc > 1 ? QString::fromLocal8Bit(argv[1]) : makeResnet50(dir);
    const qint64 bytes = QFileInfo(model).size();

    // Warm the page cache, then alternate so that no variant gets a quieter machine. "Checked load" is what
    // TorchModel::load does: the structure and the interpreted records checked first, the storages' CRC-32s on a
    // second thread during LibTorch's load, joined after it.
    ModelArchive::readFile(model, true);
    torch::jit::load(model.toStdString());
    std::vector<double> check, load, checkedLoad;
    for (int round = 0; round < 9; ++round) {
        check.push_back(medianMs(1, [&] { ModelArchive::readFile(model, true); }));
        load.push_back(medianMs(1, [&] { torch::jit::load(model.toStdString()); }));
        checkedLoad.push_back(medianMs(1, [&] {
            ModelFileCheck fileCheck(model);
            torch::jit::load(model.toStdString());
            fileCheck.finish();
        }));
    }
    const auto median = [](std::vector<double>& times) {
        std::sort(times.begin(), times.end());
        return times[times.size() / 2];
    };
    const double checkMs = median(check), loadMs = median(load), checkedLoadMs = median(checkedLoad);
    std::printf("%s, %.1f MB: whole archive check alone %.1f ms (%.2f GB/s); torch::jit::load %.1f ms, checked "
                "load %.1f ms: the check adds %+.1f %% to loading\n",
        qPrintable(QFileInfo(model).fileName()), double(bytes) / 1e6, checkMs, double(bytes) / checkMs / 1e6, loadMs,
        checkedLoadMs, 100.0 * (checkedLoadMs / loadMs - 1));

    const QString random = dir.filePath(QStringLiteral("random.sqlite"));
    {
        QFile file(random);
        file.open(QIODevice::WriteOnly);
        QByteArray noise(1 << 20, '\0');
        QRandomGenerator(7).fillRange(reinterpret_cast<quint32*>(noise.data()), noise.size() / 4);
        file.write(noise);
    }
    const double refuseMs = medianMs(21, [&] {
        try {
            Store store(random, StoreAccess::ReadOnly);
        } catch (const StoreError&) {
        }
    });
    const QString real = dir.filePath(QStringLiteral("real.sqlite"));
    {
        Store store(real);
    }
    const double cliRefuseMs = medianMs(7, [&] { runCli({ QStringLiteral("runs"), QStringLiteral("--db"), random }); });
    const double cliRealMs = medianMs(7, [&] { runCli({ QStringLiteral("runs"), QStringLiteral("--db"), real }); });
    std::printf("refusing 1 MiB of random bytes as --db: %.3f ms in-process; `memoscope-cli runs` %.0f ms (exit %d), "
                "the same on a real store %.0f ms\n",
        refuseMs, cliRefuseMs, runCli({ QStringLiteral("runs"), QStringLiteral("--db"), random }), cliRealMs);
    return 0;
}
