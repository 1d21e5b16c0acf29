// memoscope-cli compare RUN_ID RUN_ID [...]: runs side by side, metrics and per-layer differences against the first.

#include "CliContext.h"

#include "core/Store.h"
#include "core/compare/ComparisonReport.h"
#include "core/compare/RunComparison.h"

#include <algorithm>

namespace memoscope {

namespace {
    // Every rank of the job a run belongs to, by rank; just the run when it is no rank of a group.
    QVector<qint64> ranksOfJob(Store& store, qint64 runId)
    {
        const std::optional<RunSummary> run = store.run(runId);
        if (!run || run->config.group.isEmpty())
            return { runId };
        QVector<RunSummary> ranks;
        for (const RunSummary& other : store.runs())
            if (other.config.group == run->config.group)
                ranks << other;
        std::sort(ranks.begin(), ranks.end(),
            [](const RunSummary& a, const RunSummary& b) { return a.config.rank < b.config.rank; });
        QVector<qint64> ids;
        for (const RunSummary& rank : ranks)
            ids << rank.id;
        return ids;
    }
}

int runCompareCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Compare runs: peak, parameters, file size, latency, fidelity and accuracy with differences against the first "
        "run, and every other run's per-layer differences from it (B minus A, largest change first)."));
    parser.addPositionalArgument(QStringLiteral("RUN_ID"),
        QStringLiteral("Two or more run ids, the first the reference; or one run of a distributed job (memoscope-cli "
                       "import of its ranks) for all its ranks side by side."),
        QStringLiteral("RUN_ID RUN_ID [...]"));
    const QCommandLineOption layers(QStringLiteral("layers"), QStringLiteral("Layer rows per comparison (default 20)."),
        QStringLiteral("N"), QStringLiteral("20"));
    parser.addOptions({ layers, CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    QVector<qint64> runIds = cli.runIds(
        parser, 0, QStringLiteral("compare needs at least two run ids, e.g. memoscope-cli compare 3 4"), &exitCode);
    if (runIds.isEmpty())
        return exitCode;
    bool ok = false;
    const int maxLayers = parser.value(layers).toInt(&ok);
    if (!ok || maxLayers < 1)
        return cli.fail(ExitBadInput,
            QStringLiteral("--layers must be a whole number of at least 1, not '%1'").arg(parser.value(layers)));
    std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadOnly);
    if (runIds.size() == 1)
        runIds = ranksOfJob(*store, runIds.first());
    if (runIds.size() < 2)
        return cli.fail(ExitBadInput,
            QStringLiteral("compare needs at least two run ids, e.g. memoscope-cli compare 3 4, or one run of a "
                           "distributed job"));
    QVector<StoredRun> runs;
    for (qint64 runId : runIds) {
        std::optional<StoredRun> run = cli.loadRun(*store, runId, /*withEvents=*/false, &exitCode);
        if (!run)
            return exitCode;
        // A failed or out-of-memory run has no peak to compare: its zeros would read as a 100 % saving.
        if (run->summary.status != RunStatus::Complete)
            return cli.fail(ExitBadInput,
                QStringLiteral("run %1 is %2, not complete (%3): compare takes complete runs")
                    .arg(runId)
                    .arg(statusName(run->summary.status), run->summary.error.left(120)));
        runs << std::move(*run);
    }
    const RunComparison comparison = compareRuns(runs);
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(comparison.toJson());
    else
        cli.print(comparisonToText(comparison, maxLayers));
    return ExitOk;
}

} // namespace memoscope
