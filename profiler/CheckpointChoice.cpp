#include "CheckpointChoice.h"

#include "ProfileError.h"
#include "Profiler.h"
#include "TorchModel.h"
#include "core/Analysis.h"
#include "core/ByteFormat.h"
#include "core/CheckpointPlan.h"
#include "core/Store.h"
#include "transform/CheckpointSelective.h"
#include "transform/ScriptEditing.h"
#include "transform/Checkpointing.h"

#include <QTemporaryDir>
#include <map>

namespace memoscope {

namespace {
    const QString budgetPrefix = QStringLiteral("budget=");
    const QString selectiveChoice = QStringLiteral("selective");

    // One measured training step of the model as `config` runs it, checkpointing `segments`, stored in `store`.
    StoredRun measureStep(const RunConfig& config, const QStringList& segments, Store& store, bool withEvents)
    {
        RunConfig calibration = config;
        calibration.checkpoint = segments.isEmpty() ? QStringLiteral("none") : segments.join(QLatin1Char(','));
        calibration.iterations = 1;
        calibration.trace = true;
        calibration.memoryLimitBytes = 0;
        calibration.name = QStringLiteral("checkpoint budget calibration");
        const ProfileOutcome outcome = profileModel(calibration, store);
        if (outcome.exitCode != ExitOk)
            throw ProfileError(outcome.exitCode, outcome.message);
        std::optional<StoredRun> run = store.load(outcome.runId, withEvents);
        if (!run)
            throw ProfileError(ExitFailure, QStringLiteral("the checkpoint budget's calibration run was not stored"));
        return std::move(*run);
    }
}

bool isCheckpointBudget(const QString& choice) { return choice.startsWith(budgetPrefix); }

bool isCheckpointSelective(const QString& choice)
{
    return choice == selectiveChoice || choice.startsWith(selectiveChoice + QLatin1Char('='));
}

std::vector<std::string> checkpointSegments(const QString& choice, const torch::jit::Module& root)
{
    if (choice.isEmpty() || choice == QLatin1String("none"))
        return {};
    if (choice == QLatin1String("auto"))
        return automaticCheckpointSegments(root);
    std::vector<std::string> segments;
    for (const QString& path : choice.split(QLatin1Char(','), Qt::SkipEmptyParts))
        segments.push_back(path.trimmed().toStdString());
    if (segments.empty())
        throw ProfileError(ExitBadInput,
            QStringLiteral("--checkpoint needs auto, none, budget=BYTES or module paths such as layer1,layer2"));
    return segments;
}

CheckpointBudgetPlan planCheckpointBudget(const RunConfig& config)
{
    qint64 budget = 0;
    if (!parseByteSize(config.checkpoint.mid(budgetPrefix.size()), &budget) || budget <= 0)
        throw ProfileError(ExitBadInput,
            QStringLiteral("--checkpoint budget= needs a size in bytes such as 512M or 2G, not '%1'")
                .arg(config.checkpoint.mid(budgetPrefix.size())));
    QStringList candidates;
    {
        const TorchModel model = TorchModel::load(config.modelPath);
        if (budget < model.info.paramBytes)
            throw ProfileError(ExitBadInput,
                QStringLiteral("--checkpoint %1 is below what the model's parameters alone need (%2); "
                               "checkpointing only drops activations")
                    .arg(config.checkpoint, formatBytes(model.info.paramBytes)));
        for (const std::string& segment : automaticCheckpointSegments(model.module))
            candidates << QString::fromStdString(segment);
        if (candidates.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("--checkpoint %1: this model has no blocks of several layers to checkpoint (a "
                               "single layer keeps its input for backward anyway)")
                    .arg(config.checkpoint));
    }

    QTemporaryDir folder;
    if (!folder.isValid())
        throw ProfileError(
            ExitFailure, QStringLiteral("cannot create a temporary folder for the budget's calibration"));
    Store store(folder.filePath(QStringLiteral("calibration.sqlite")));
    const StoredRun measured = measureStep(config, {}, store, /*withEvents=*/true);

    std::map<QString, double> forwardMs;
    for (const LayerRow& row : layerRows(measured.trace.layers, measured.layerStats, 1, LayerScope::WithChildren))
        forwardMs[row.path] = row.forwardMs;
    QVector<CheckpointCandidate> costs;
    for (const QString& path : candidates)
        costs << CheckpointCandidate { path, forwardMs[path] };

    // The replay is a prediction (within 1 % on resnet18 and deep_mlp, see the advisor's tests), so each plan
    // is run once; when it peaks over the budget, the next plan is made for a budget lower by what it missed.
    const int attempts = 3;
    qint64 missed = 0;
    CheckpointPlan plan;
    qint64 measuredPeak = 0;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        plan = planCheckpoints(measured.trace, measured.summary.config, costs, budget - missed);
        if (!plan.fits)
            break;
        if (plan.segments.isEmpty()) // the run without checkpointing fits as measured
            return CheckpointBudgetPlan { {}, plan.predictedPeakBytes };
        measuredPeak = measureStep(config, plan.segments, store, /*withEvents=*/false).metrics.peakBytes;
        if (measuredPeak <= budget) {
            CheckpointBudgetPlan result;
            for (const QString& segment : plan.segments)
                result.segments.push_back(segment.toStdString());
            result.plannedPeakBytes = plan.predictedPeakBytes;
            return result;
        }
        missed += measuredPeak - plan.predictedPeakBytes;
    }
    throw ProfileError(ExitBadInput,
        QStringLiteral("--checkpoint %1 cannot be met: without checkpointing the peak is %2, and the lowest a plan "
                       "reaches is %3 (checkpointing %4)")
            .arg(config.checkpoint, formatBytes(measured.metrics.peakBytes),
                formatBytes(plan.fits ? measuredPeak : plan.predictedPeakBytes),
                plan.segments.join(QStringLiteral(", "))));
}

namespace {
    QVector<SelectiveCandidate> selectiveCandidates(const RunConfig& config)
    {
        const TorchModel model = TorchModel::load(config.modelPath);
        QVector<SelectiveCandidate> candidates;
        for (const std::string& path : selectiveCheckpointSegments(model.module)) {
            SelectiveCandidate candidate { QString::fromStdString(path), {} };
            for (const std::string& layer : keepableLayers(*script::findModule(model.module, path)))
                candidate.keepable << candidate.segment + QLatin1Char('.') + QString::fromStdString(layer);
            candidates << candidate;
        }
        if (candidates.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("--checkpoint %1: this model has no blocks of several layers to checkpoint (a "
                               "single layer keeps its input for backward anyway)")
                    .arg(config.checkpoint));
        return candidates;
    }

    CheckpointBudgetPlan budgetPlanOf(const SelectivePlan& plan)
    {
        CheckpointBudgetPlan result;
        const QString text = plan.checkpointText();
        for (const QString& segment : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
            result.segments.push_back(segment.toStdString());
        result.plannedPeakBytes = plan.predictedPeakBytes;
        result.plannedStepMs = plan.predictedStepMs;
        return result;
    }
}

CheckpointBudgetPlan planSelectiveCheckpointing(const RunConfig& config)
{
    qint64 budget = 0;
    const QString budgetText = config.checkpoint.mid(selectiveChoice.size() + 1);
    if (config.checkpoint != selectiveChoice && (!parseByteSize(budgetText, &budget) || budget <= 0))
        throw ProfileError(ExitBadInput,
            QStringLiteral("--checkpoint selective= needs a size in bytes such as 512M or 2G, not '%1'")
                .arg(budgetText));
    const QVector<SelectiveCandidate> candidates = selectiveCandidates(config);
    QTemporaryDir folder;
    if (!folder.isValid())
        throw ProfileError(ExitFailure, QStringLiteral("cannot create a temporary folder for the plan's calibration"));
    Store store(folder.filePath(QStringLiteral("calibration.sqlite")));
    const StoredRun measured = measureStep(config, {}, store, /*withEvents=*/true);
    const double stepMs = measured.metrics.iterationMsMedian;
    if (budget <= 0) {
        const QVector<SelectivePlan> curve = selectiveCurve(measured.trace, measured.summary.config, stepMs, candidates);
        return budgetPlanOf(curve[chooseSelectivePlan(curve, 0)]);
    }
    // As for budget=: the replay is a prediction, so the plan is run once and replanned when it peaks over.
    const int attempts = 3;
    qint64 missed = 0;
    SelectivePlan plan;
    qint64 measuredPeak = 0;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        const QVector<SelectivePlan> curve = selectiveCurve(measured.trace, measured.summary.config, stepMs, candidates);
        plan = curve[chooseSelectivePlan(curve, std::max<qint64>(1, budget - missed))];
        if (plan.predictedPeakBytes > budget - missed)
            break;
        if (plan.segments.isEmpty())
            return budgetPlanOf(plan);
        measuredPeak = measureStep(config, plan.checkpointText().split(QLatin1Char(',')), store, false).metrics.peakBytes;
        if (measuredPeak <= budget)
            return budgetPlanOf(plan);
        missed += measuredPeak - plan.predictedPeakBytes;
    }
    throw ProfileError(ExitBadInput,
        QStringLiteral("--checkpoint %1 cannot be met: without checkpointing the peak is %2, and the lowest a "
                       "selective plan reaches is %3")
            .arg(config.checkpoint, formatBytes(measured.metrics.peakBytes),
                formatBytes(measuredPeak > 0 ? measuredPeak : plan.predictedPeakBytes)));
}

} // namespace memoscope
