// memoscope-cli report RUN_ID [RUN_ID ...] --out FILE.html|FILE.pdf: the report people share, made headless.
// main() gives this command a QApplication (offscreen without a display): the charts are QCustomPlot widgets.

#include "CliContext.h"

#include "core/Store.h"
#include "core/AtomicFile.h"
#include "ui/reports/Report.h"
#include "ui/reports/ReportDocument.h"

#include <QApplication>

namespace memoscope {

int runReportCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Write a report of one or more runs: HTML (one self-contained file) or PDF, by the extension of --out. With "
        "several runs, the first is the baseline the others are compared with."));
    parser.addPositionalArgument(QStringLiteral("RUN_ID"), QStringLiteral("Run ids from `memoscope-cli runs`."),
        QStringLiteral("RUN_ID [RUN_ID ...]"));
    const QCommandLineOption out(
        QStringLiteral("out"), QStringLiteral("The report to write: FILE.html or FILE.pdf."), QStringLiteral("FILE"));
    parser.addOptions({ out, CliContext::databaseOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    const QVector<qint64> runIds = cli.runIds(parser, 0,
        QStringLiteral("report needs at least one run id, e.g. memoscope-cli report 3 4 --out report.html"), &exitCode);
    if (runIds.isEmpty())
        return exitCode;
    if (!parser.isSet(out))
        return cli.fail(ExitBadInput, QStringLiteral("--out FILE.html or --out FILE.pdf is needed"));
    const QString path = parser.value(out);
    if (!reportFormatOf(path))
        return cli.fail(ExitBadInput,
            QStringLiteral("cannot tell the report's format from %1: end the file name in .html or .pdf").arg(path));
    const QString problem = destinationProblem(path);
    if (!problem.isEmpty())
        return cli.fail(ExitBadInput, problem);
    if (!qobject_cast<QApplication*>(QCoreApplication::instance()))
        return cli.fail(ExitFailure, QStringLiteral("report needs a QApplication to draw its charts"));

    const std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadOnly);
    ReportInput input;
    for (qint64 id : runIds) {
        std::optional<StoredRun> run = cli.loadRun(*store, id, /*withEvents=*/true, &exitCode);
        if (!run)
            return exitCode;
        const QVector<MeasuredAccuracy> measured = measuredAccuracies(*store, *run);
        input.addRun(std::move(*run), measured);
    }
    QString error;
    if (!saveReport(buildReport(input), path, &error))
        return cli.fail(ExitBadInput, error);
    return ExitOk;
}

} // namespace memoscope
