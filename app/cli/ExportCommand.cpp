// memoscope-cli export RUN_ID --format model|csv|json|perfetto --out FILE: a run's data for other tools, or the
// optimized model an optimized run profiled. Every file is written whole or not at all.

#include "CliContext.h"

#include "core/FileHash.h"
#include "core/RunReport.h"
#include "core/Store.h"
#include "core/AtomicFile.h"
#include "core/export/LayerCsv.h"
#include "core/export/PerfettoTrace.h"

#include <QFileInfo>
#include <QJsonDocument>

namespace memoscope {

namespace {
    int exportModel(const CliContext& cli, const StoredRun& run, const QString& out)
    {
        if (!run.optimization)
            return cli.fail(ExitBadInput,
                QStringLiteral("run %1 is not a run of an optimized model (it profiled %2); --format model exports the "
                               "model of a run made by `memoscope-cli optimize --profile`")
                    .arg(run.summary.id)
                    .arg(run.summary.modelPath));
        const QString model = run.optimization->outputModel;
        if (!QFileInfo(model).isFile())
            return cli.fail(ExitBadInput,
                QStringLiteral("the optimized model of run %1, %2, is gone (moved or deleted since the run was made)")
                    .arg(run.summary.id)
                    .arg(model));
        // Another optimization may have been written over it since: exporting that would be a different model.
        if (!run.model.sha256.isEmpty() && sha256OfFile(model) != run.model.sha256)
            return cli.fail(ExitBadInput,
                QStringLiteral("the optimized model of run %1, %2, has changed since the run profiled it (its SHA-256 "
                               "differs); optimize the model again to export it")
                    .arg(run.summary.id)
                    .arg(model));
        QString error;
        if (!copyFileAtomically(model, out, &error))
            return cli.fail(ExitBadInput, error);
        return ExitOk;
    }
}

int runExportCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Export a stored run: the optimized model of an optimized run (model), the layer table (csv), the run as "
        "JSON (json, as show --json), or its memory timeline as a Chrome trace for ui.perfetto.dev (perfetto)."));
    parser.addPositionalArgument(QStringLiteral("RUN_ID"), QStringLiteral("A run id from `memoscope-cli runs`."));
    const QCommandLineOption format(
        QStringLiteral("format"), QStringLiteral("model, csv, json or perfetto."), QStringLiteral("FORMAT"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("The file to write."), QStringLiteral("FILE"));
    parser.addOptions({ format, out, CliContext::databaseOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    const QVector<qint64> ids = cli.runIds(parser, 1,
        QStringLiteral("export needs one run id, e.g. memoscope-cli export 3 --format csv --out layers.csv"), &exitCode);
    if (ids.isEmpty())
        return exitCode;
    const QString kind = parser.value(format);
    const QStringList kinds { QStringLiteral("model"), QStringLiteral("csv"), QStringLiteral("json"),
        QStringLiteral("perfetto") };
    if (!kinds.contains(kind))
        return cli.fail(ExitBadInput,
            kind.isEmpty() ? QStringLiteral("--format is needed: model, csv, json or perfetto")
                           : QStringLiteral("unknown --format '%1': use model, csv, json or perfetto").arg(kind));
    if (!parser.isSet(out))
        return cli.fail(ExitBadInput, QStringLiteral("--out FILE is needed"));
    const QString path = parser.value(out);
    const QString problem = destinationProblem(path);
    if (!problem.isEmpty())
        return cli.fail(ExitBadInput, problem);

    const bool withEvents = kind == QLatin1String("perfetto");
    const std::optional<StoredRun> run = cli.loadRun(*cli.openStore(parser, StoreAccess::ReadOnly), ids.first(), withEvents, &exitCode);
    if (!run)
        return exitCode;
    if (kind == QLatin1String("model"))
        return exportModel(cli, *run, path);

    QByteArray bytes;
    if (kind == QLatin1String("csv")) {
        bytes = layerTableCsv(*run);
    } else if (kind == QLatin1String("json")) {
        bytes = QJsonDocument(runToJson(*run)).toJson(QJsonDocument::Indented);
    } else {
        if (!run->metrics.traced || run->trace.events.empty())
            return cli.fail(ExitBadInput,
                QStringLiteral("run %1 has no events to export (it was made with --no-trace or stopped before any)")
                    .arg(run->summary.id));
        bytes = perfettoTraceJson(*run);
    }
    QString error;
    if (!writeFileAtomically(path, bytes, &error))
        return cli.fail(ExitBadInput, error);
    return ExitOk;
}

} // namespace memoscope
