// memoscope-cli advise RUN_ID [--budget BYTES [--apply [--out FILE]]]: what to do about a run's memory, the plan
// that fits a budget, and with --apply that plan carried out by the optimize pipeline and measured.

#include "CliContext.h"

#include "core/AtomicFile.h"

#include "core/ByteFormat.h"
#include "core/Store.h"
#include "core/advisor/AdviceReport.h"
#include "core/advisor/Advisor.h"
#include "core/advisor/BudgetSolver.h"
#include "profiler/Optimizer.h"

#include <QFileInfo>
#include <QJsonArray>

namespace memoscope {

namespace {
    QString defaultOutput(const QString& model)
    {
        const QFileInfo info(model);
        return info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QStringLiteral(".advised.pt");
    }

    // Carries out the budget plan's --apply steps with the optimize pipeline, profiling the result exactly as
    // the baseline was profiled, and stores what was predicted with the run that measured it.
    int applyPlan(const CliContext& cli, Store& store, const StoredRun& baseline, const BudgetPlan& plan,
        const BudgetPlan& everyLever, const QString& out, bool json)
    {
        const RunConfig& settings = baseline.summary.config;
        const QString notApplied = everyLever.runOptions.isEmpty()
            ? QString()
            : QStringLiteral("not applied: %1 (profile options the optimize pipeline cannot apply yet; the plan "
                             "applied uses --apply steps only)")
                  .arg(everyLever.runOptions.join(QStringLiteral(", ")));
        if (plan.applySteps.isEmpty()) {
            if (!plan.fits)
                return cli.fail(ExitBadInput,
                    QStringLiteral("no --apply step brings run %1 closer to %2")
                        .arg(baseline.summary.id)
                        .arg(formatBytes(plan.budgetBytes)));
            // The baseline already fits: nothing to apply, and its own peak is the measurement.
            PredictionRecord record;
            record.baselineRunId = record.runId = baseline.summary.id;
            record.budgetBytes = plan.budgetBytes;
            record.baselinePeakBytes = record.predictedPeakBytes = record.measuredPeakBytes
                = baseline.metrics.peakBytes;
            if (json)
                cli.printJson(record.toJson());
            else
                cli.print(QStringLiteral("Run %1 already fits %2 (peak %3): nothing to apply.\n")
                              .arg(baseline.summary.id)
                              .arg(formatBytes(plan.budgetBytes), formatBytes(baseline.metrics.peakBytes)));
            return ExitOk;
        }
        // Before any progress line: a model that is gone or a plan that cannot be written is refused with one
        // message.
        QString missing;
        const QString modelPath = store.locateModelFile(baseline.model, &missing);
        if (modelPath.isEmpty())
            return cli.fail(ExitBadInput, missing);
        const QString destination = out.isEmpty() ? defaultOutput(modelPath) : out;
        if (const QString problem = destinationProblem(destination); !problem.isEmpty())
            return cli.fail(ExitBadInput, problem);
        if (!notApplied.isEmpty())
            cli.note(notApplied);
        cli.note(QStringLiteral("applying %1 to %2 (predicted peak %3), then profiling it as run %4 was")
                     .arg(plan.applySteps.join(QStringLiteral(", then ")), QFileInfo(settings.modelPath).fileName(),
                         formatBytes(plan.predictedPeakBytes))
                     .arg(baseline.summary.id));

        OptimizeConfig config;
        config.modelPath = modelPath;
        config.outPath = destination;
        config.apply = plan.applySteps;
        config.inputs = settings.inputs;
        config.profile = true;
        config.profileSettings = settings;
        config.profileSettings.name.clear();
        config.baselineRunId = baseline.summary.id;
        const OptimizeOutcome outcome = optimizeModel(config, &store);
        if (outcome.exitCode != ExitOk)
            return cli.fail(outcome.exitCode, outcome.message);

        PredictionRecord record;
        record.baselineRunId = baseline.summary.id;
        record.runId = outcome.record.optimizedRunId;
        record.plan = plan.applySteps;
        record.budgetBytes = plan.budgetBytes;
        record.baselinePeakBytes = baseline.metrics.peakBytes;
        record.predictedPeakBytes = plan.predictedPeakBytes;
        record.measuredPeakBytes = outcome.record.peakBytesAfter.value_or(0);
        store.recordPrediction(record);

        if (json) {
            QJsonObject result = record.toJson();
            result[QStringLiteral("output_model")] = outcome.record.outputModel;
            result[QStringLiteral("not_applied")] = QJsonArray::fromStringList(everyLever.runOptions);
            result[QStringLiteral("optimization")] = outcome.record.toJson();
            cli.printJson(result);
        } else {
            cli.print(predictionToText(record)
                + QStringLiteral("  model written to %1\n").arg(outcome.record.outputModel)
                + (notApplied.isEmpty() ? QString() : QStringLiteral("  ") + notApplied + QLatin1Char('\n')));
        }
        return ExitOk;
    }

    // Advice reads a whole traced run; empty when the run has one.
    QString whyNotAdvisable(const StoredRun& run)
    {
        if (run.summary.status != RunStatus::Complete)
            return QStringLiteral("run %1 is %2: advice needs a complete run")
                .arg(run.summary.id)
                .arg(statusName(run.summary.status));
        if (!run.metrics.traced || run.trace.events.empty())
            return QStringLiteral(
                "run %1 recorded no allocations (--no-trace): profile the model with tracing to get advice")
                .arg(run.summary.id);
        return {};
    }
}

int runAdviseCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Recommend how to cut a run's memory, ranked, with predicted savings; with --budget, the plan with the least "
        "expected accuracy loss predicted to fit; with --apply, carry the plan out and measure it."));
    parser.addPositionalArgument(QStringLiteral("RUN_ID"), QStringLiteral("A complete run from `memoscope-cli runs`."));
    const QCommandLineOption budget(QStringLiteral("budget"),
        QStringLiteral("A memory budget for the run's peak, e.g. 40M or 2GiB (K = 1024)."), QStringLiteral("BYTES"));
    const QCommandLineOption apply(QStringLiteral("apply"),
        QStringLiteral("Apply the budget plan's --apply steps with the optimize pipeline, profile the result as the "
                       "run was profiled, and report whether it fits."));
    const QCommandLineOption out(QStringLiteral("out"),
        QStringLiteral("Where --apply writes the model (default: MODEL.advised.pt beside the model)."),
        QStringLiteral("FILE"));
    parser.addOptions({ budget, apply, out, CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    const QVector<qint64> ids = cli.runIds(
        parser, 1, QStringLiteral("advise needs one run id, e.g. memoscope-cli advise 3 --budget 40M"), &exitCode);
    if (ids.isEmpty())
        return exitCode;
    const qint64 runId = ids.first();
    qint64 budgetBytes = 0;
    if (parser.isSet(budget) && !parseByteSize(parser.value(budget), &budgetBytes))
        return cli.fail(ExitBadInput,
            QStringLiteral("--budget '%1' is not a size: write bytes or a binary multiple, e.g. 40M or 2GiB")
                .arg(parser.value(budget)));
    if (parser.isSet(apply) && !parser.isSet(budget))
        return cli.fail(
            ExitBadInput, QStringLiteral("--apply needs --budget BYTES: it applies the plan that fits the budget"));
    if (parser.isSet(out) && !parser.isSet(apply))
        return cli.fail(ExitBadInput, QStringLiteral("--out is where --apply writes the model: give --apply too"));

    std::unique_ptr<Store> store
        = cli.openStore(parser, parser.isSet(apply) ? StoreAccess::ReadWrite : StoreAccess::ReadOnly);
    const std::optional<StoredRun> run = cli.loadRun(*store, runId, /*withEvents=*/true, &exitCode);
    if (!run)
        return exitCode;
    if (const QString why = whyNotAdvisable(*run); !why.isEmpty())
        return cli.fail(ExitBadInput, why);

    const Advisor advisor(*run, measuredAccuracies(*store, *run));
    const Advice advice = advisor.advice();
    const bool json = parser.isSet(CliContext::jsonOption());
    if (!parser.isSet(budget)) {
        if (json)
            cli.printJson(recommendationsToJson(advice));
        else
            cli.print(adviceToText(advice, QFileInfo(run->summary.modelPath).fileName()));
        return ExitOk;
    }

    const BudgetPlan everyLever = solveBudget(advisor, budgetBytes, PlanScope::EveryLever);
    const BudgetPlan pipeline
        = everyLever.runOptions.isEmpty() ? everyLever : solveBudget(advisor, budgetBytes, PlanScope::OptimizePipeline);
    if (parser.isSet(apply))
        return applyPlan(cli, *store, *run, pipeline, everyLever, parser.value(out), json);

    if (json) {
        QJsonObject result;
        result[QStringLiteral("run_id")] = double(runId);
        result[QStringLiteral("measured_peak_bytes")] = double(advisor.measuredPeakBytes());
        result[QStringLiteral("recommendations")] = recommendationsToJson(advice);
        result[QStringLiteral("plan")] = everyLever.toJson();
        result[QStringLiteral("plan_with_apply_steps_only")] = pipeline.toJson();
        result[QStringLiteral("notes")] = QJsonArray::fromStringList(advice.notes);
        cli.printJson(result);
    } else {
        cli.print(adviceToText(advice, QFileInfo(run->summary.modelPath).fileName()) + QLatin1Char('\n')
            + budgetPlanToText(
                everyLever, everyLever.runOptions.isEmpty() ? std::nullopt : std::optional<BudgetPlan>(pipeline)));
    }
    return ExitOk;
}

} // namespace memoscope
