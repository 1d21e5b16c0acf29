// Import benchmark: how fast traces written by memoscope_record are read, and read and stored as a run. Not a
// test: it prints figures. Usage: bench_import [TRACE | EVENTS] (default: a trace of 1,000,000 events written
// here as the recorder writes them, 60 layers, 40 ops)

#include "core/Store.h"
#include "core/TraceImport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <cstdio>

using namespace memoscope;

namespace {
QString writeTrace(const QString& path, qint64 events)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    QByteArray out = R"({"format":"memoscope-trace","version":1,"torch":"1.13.1","threads":1})"
                     "\n";
    for (int id = 0; id < 60; ++id)
        out += QStringLiteral(R"({"type":"layer","id":%1,"path":"%2","kind":"Conv2d","parent":%3,"pseudo":false,)"
                              R"("param_count":0,"param_bytes":0})"
                              "\n")
                   .arg(id)
                   .arg(id == 0 ? QString() : QStringLiteral("layer%1").arg(id))
                   .arg(id == 0 ? -1 : 0)
                   .toUtf8();
    for (int id = 0; id < 40; ++id)
        out += QStringLiteral(R"({"type":"op","id":%1,"name":"aten::op%1"})"
                              "\n")
                   .arg(id)
                   .toUtf8();
    const char* const phases[] = { "input", "forward", "loss", "backward", "optimizer" };
    const char* const categories[] = { "activation", "temporary", "gradient", "input", "output" };
    for (qint64 i = 0; i < events; i += 2) {
        out += QStringLiteral(R"(["a",%1,%2,%3,%4,%5,"%6","%7","cpu"])"
                              "\n")
                   .arg(i * 1000)
                   .arg(64 + (i % 5000) * 64)
                   .arg(i / 2)
                   .arg(i % 40)
                   .arg(i % 60)
                   .arg(QLatin1String(phases[(i / 2) % 5]), QLatin1String(categories[(i / 2) % 5]))
                   .toUtf8();
        out += QStringLiteral(R"(["f",%1,%2])"
                              "\n")
                   .arg(i * 1000 + 500)
                   .arg(i / 2)
                   .toUtf8();
        if (out.size() > (1 << 22)) {
            file.write(out);
            out.clear();
        }
    }
    out += QStringLiteral(R"({"type":"phase","phase":"forward","iteration":0,"start_ns":0,"end_ns":%1})"
                          "\n"
                          R"({"type":"end","status":"complete","events":%2})"
                          "\n")
               .arg(events * 1000)
               .arg(events)
               .toUtf8();
    file.write(out);
    return path;
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    const QByteArray argument = argc > 1 ? QByteArray(argv[1]) : QByteArray("1000000");
    bool isCount = false;
    const qint64 count = argument.toLongLong(&isCount);
    const QString trace
        = isCount ? writeTrace(dir.filePath(QStringLiteral("bench.mtrace")), count) : QString::fromLocal8Bit(argument);

    QElapsedTimer timer;
    timer.start();
    const TraceReading reading = readTrace(trace);
    const double readSeconds = timer.nsecsElapsed() / 1e9;
    if (!reading.error.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(reading.error));
        return 2;
    }
    const qint64 events = qint64(reading.runs.first().trace.events.size());
    Store store(dir.filePath(QStringLiteral("bench.sqlite")));
    timer.restart();
    storeRecordedRuns(store, reading.runs, QString());
    const double storeSeconds = timer.nsecsElapsed() / 1e9;
    std::printf(
        "trace %s: %lld events, %.1f MB\n", qPrintable(trace), qlonglong(events), double(QFile(trace).size()) / 1e6);
    std::printf("read:            %.2f s, %.0f events/s\n", readSeconds, double(events) / readSeconds);
    std::printf("analyse + store: %.2f s\n", storeSeconds);
    std::printf("import:          %.2f s, %.0f events/s\n", readSeconds + storeSeconds,
        double(events) / (readSeconds + storeSeconds));
    return 0;
}
