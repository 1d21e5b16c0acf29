// int8 dynamic quantization, Memoscope's against PyTorch's torch.ao.quantization.quantize_dynamic, side by
// side on the LSTM language model and the transformer encoder: parameter bytes (as Memoscope counts them:
// every tensor the model holds, packed weights included), file size, peak memory, latency and top-1
// agreement with the float model. Not a test: it prints figures.
// Usage: bench_quantization FIXTURES_DIR [ENGINE=qnnpack]

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <cstdio>

namespace {
QJsonObject run(const QString& program, const QStringList& arguments, QString* error = nullptr)
{
    QProcess process;
    process.start(program, arguments);
    process.waitForFinished(3600000);
    if (process.exitCode() != 0 && error)
        *error = QString::fromUtf8(process.readAllStandardError()).trimmed();
    return QJsonDocument::fromJson(process.readAllStandardOutput()).object();
}

QString g_engine;

QJsonObject profile(const QString& model, const QString& input, const QString& db, bool traced)
{
    // The same quantized engine for every model: packed weights are repacked for it as they load.
    QStringList arguments { QStringLiteral("profile"), model, QStringLiteral("--input"), input, QStringLiteral("--engine"),
        g_engine, QStringLiteral("--iterations"),
        traced ? QStringLiteral("3") : QStringLiteral("20"), QStringLiteral("--threads"), QStringLiteral("1"),
        QStringLiteral("--json"), QStringLiteral("--db"), db };
    if (!traced)
        arguments << QStringLiteral("--no-trace");
    return run(QStringLiteral(MEMOSCOPE_CLI), arguments);
}

void row(const char* who, const QString& model, const QString& input, const QString& db, double top1)
{
    const QJsonObject traced = profile(model, input, db, true);
    const QJsonObject untraced = profile(model, input, db, false);
    std::printf("  %-22s %12.0f %12lld %12.0f %10.2f %8.1f %%\n", who, traced.value(QStringLiteral("param_bytes")).toDouble(),
        static_cast<long long>(QFileInfo(model).size()), traced.value(QStringLiteral("peak_bytes")).toDouble(),
        untraced.value(QStringLiteral("iteration_ms_median")).toDouble(), top1 * 100);
}
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_quantization FIXTURES_DIR [ENGINE=qnnpack]\n");
        return 2;
    }
    const QString fixtures = QString::fromLocal8Bit(argv[1]);
    const QString engine = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("qnnpack");
    g_engine = engine;
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.sqlite"));
    const std::pair<const char*, const char*> models[] = { { "lstm_lm", "4x32:int64:0..7999" },
        { "transformer", "4x32:int64:0..999" } };
    for (const auto& [name, input] : models) {
        const QString original = fixtures + QLatin1Char('/') + QLatin1String(name) + QStringLiteral(".pt");
        std::printf("\n%s, input %s, engine %s\n  %-22s %12s %12s %12s %10s %10s\n", name, input, qPrintable(engine), "",
            "param bytes", "file bytes", "peak bytes", "ms/iter", "top-1");
        row("float32", original, QString::fromLatin1(input), db, 1.0);

        const QString ours = dir.filePath(QStringLiteral("%1-memoscope.pt").arg(QLatin1String(name)));
        QString error;
        const QJsonObject optimized = run(QStringLiteral(MEMOSCOPE_CLI),
            { QStringLiteral("optimize"), original, QStringLiteral("--apply"), QStringLiteral("int8-dynamic"),
                QStringLiteral("--input"), QString::fromLatin1(input), QStringLiteral("--engine"), engine,
                QStringLiteral("--out"), ours, QStringLiteral("--json") },
            &error);
        if (optimized.isEmpty())
            std::printf("  Memoscope int8-dynamic  failed: %s\n", qPrintable(error));
        else
            row("Memoscope int8-dynamic", ours, QString::fromLatin1(input), db,
                optimized.value(QStringLiteral("fidelity")).toObject().value(QStringLiteral("top1_agreement")).toDouble());

        const QString theirs = dir.filePath(QStringLiteral("%1-pytorch.pt").arg(QLatin1String(name)));
        const QJsonObject pytorch = run(QStringLiteral(MEMOSCOPE_PYTHON),
            { QStringLiteral(MEMOSCOPE_SOURCE_DIR "/tests/bench/pytorch_quantize_dynamic.py"), QLatin1String(name), theirs,
                QString::fromLatin1(input), engine });
        if (!pytorch.value(QStringLiteral("ok")).toBool())
            std::printf("  PyTorch quantize_dynamic failed: %s\n", qPrintable(pytorch.value(QStringLiteral("error")).toString()));
        else
            row("PyTorch quantize_dynamic", theirs, QString::fromLatin1(input), db,
                pytorch.value(QStringLiteral("top1_agreement")).toDouble());
    }
    return 0;
}
