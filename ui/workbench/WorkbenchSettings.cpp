#include "WorkbenchSettings.h"

#include "core/Optimization.h"
#include "core/WorkerProtocol.h"

namespace memoscope {

namespace {
    QString ratio(double value) { return QString::number(value, 'g', 3); }
}

QStringList WorkbenchSettings::applySteps() const
{
    QStringList steps;
    if (structuredRatio > 0) {
        QString step = QStringLiteral("prune-structured=") + ratio(structuredRatio);
        if (l2Ranking)
            step += QStringLiteral(":l2");
        if (globalRanking)
            step += QStringLiteral(":global");
        steps << step;
    }
    if (unstructuredRatio > 0)
        steps << QStringLiteral("prune-unstructured=") + ratio(unstructuredRatio)
                + (globalRanking ? QStringLiteral(":global") : QString());
    switch (quantization) {
    case Quantization::Dynamic:
        steps << QStringLiteral("int8-dynamic");
        break;
    case Quantization::Static:
        steps << QStringLiteral("int8-static");
        break;
    case Quantization::WeightOnly:
        steps << QStringLiteral("int8-weight-only");
        break;
    case Quantization::None:
        break;
    }
    if (precision == Precision::Float16) // after int8, which only quantizes float32 weights: the rest in float16
        steps << QStringLiteral("fp16");
    // Distillation wins back what pruning cost, and trains through the rounding of fp16 and int8 weights so
    // it wins back theirs too; bf16 weights come after it, as bf16 itself trains badly.
    if (distill)
        steps << QStringLiteral("distill");
    if (precision == Precision::BFloat16)
        steps << QStringLiteral("bf16");
    return steps;
}

bool WorkbenchSettings::hasRunOptions() const
{
    return !checkpoint.isEmpty() || ampBf16 || batch > 0 || switchToSgd || !data.trimmed().isEmpty() || streamData;
}

QStringList WorkbenchSettings::runOptions() const
{
    QStringList options;
    if (!checkpoint.isEmpty())
        options << QStringLiteral("--checkpoint ") + checkpoint;
    if (ampBf16)
        options << QStringLiteral("--amp bf16");
    if (batch > 0)
        options << QStringLiteral("batch %1").arg(batch);
    if (switchToSgd)
        options << QStringLiteral("--optimizer sgd");
    if (!data.trimmed().isEmpty())
        options << QStringLiteral("--data ") + data.trimmed();
    if (streamData)
        options << QStringLiteral("--stream");
    return options;
}

RunConfig WorkbenchSettings::rerunConfig(const RunConfig& baseline) const
{
    RunConfig config = batch > 0 ? configWithBatch(baseline, batch) : baseline;
    if (!checkpoint.isEmpty())
        config.checkpoint = checkpoint;
    if (ampBf16)
        config.amp = QStringLiteral("bf16");
    if (switchToSgd)
        config.optimizer = OptimizerKind::Sgd;
    if (!data.trimmed().isEmpty()) {
        config.data = data.trimmed();
        config.dataReading = DataReading::InMemory;
    }
    if (streamData)
        config.dataReading = DataReading::Streamed;
    config.name.clear();
    return config;
}

QString WorkbenchSettings::problem() const
{
    if (isEmpty())
        return QStringLiteral("Turn on at least one technique.");
    if (hasRunOptions() && !applySteps().isEmpty())
        return QStringLiteral("Model transforms and run options make different runs: apply one kind at a time.");
    if (distill && distillData.trimmed().isEmpty())
        return QStringLiteral("Distillation needs data: demo-digits, a CSV file, an image folder or a tensor file.");
    if (precision == Precision::BFloat16 && quantization != Quantization::None)
        return QStringLiteral("bf16 and int8 do not combine: int8 layers take float32 inputs. Pick one, or fp16 with int8.");
    return {};
}

QString WorkbenchSettings::rerunProblem(const RunConfig& baseline) const
{
    if (streamData && data.trimmed().isEmpty() && baseline.data.isEmpty())
        return QStringLiteral("Streaming reads a data set, and the baseline trained on random inputs: name one under "
                              "Data (demo-digits, a CSV file, an image folder or a tensor file).");
    return {};
}

QStringList WorkbenchSettings::optimizeArguments(
    const RunConfig& baseline, const QString& outPath, const QString& databasePath) const
{
    QStringList arguments { QStringLiteral("optimize"), baseline.modelPath };
    for (const QString& step : applySteps()) {
        if (step == QLatin1String("distill"))
            arguments << QStringLiteral("--distill") << distillData.trimmed();
        else
            arguments << QStringLiteral("--apply") << step;
    }
    if (distill)
        arguments << QStringLiteral("--epochs") << QString::number(distillEpochs) << QStringLiteral("--distill-batch")
                  << QString::number(distillBatch) << QStringLiteral("--distill-lr") << QString::number(distillLearningRate)
                  << QStringLiteral("--distill-optimizer") << (distillWithSgd ? QStringLiteral("sgd") : QStringLiteral("adam"))
                  << QStringLiteral("--temperature") << QString::number(distillTemperature) << QStringLiteral("--alpha")
                  << QString::number(distillLabelWeight);
    for (const QString& layer : excludedLayers)
        arguments << QStringLiteral("--exclude") << layer;
    if (quantization == Quantization::Static && !calibrationData.trimmed().isEmpty())
        arguments << QStringLiteral("--calibration") << calibrationData.trimmed();
    if (sparseStorage && unstructuredRatio > 0)
        arguments << QStringLiteral("--sparse");
    for (const QString& input : baseline.inputs)
        arguments << QStringLiteral("--input") << input;
    if (!baseline.quantizedEngine.isEmpty())
        arguments << QStringLiteral("--engine") << baseline.quantizedEngine;
    arguments << QStringLiteral("--out") << outPath << QStringLiteral("--profile") << QStringLiteral("--mode")
              << modeName(baseline.mode) << QStringLiteral("--iterations") << QString::number(baseline.iterations)
              << QStringLiteral("--json") << workerOptions(databasePath);
    return arguments;
}

bool WorkbenchSettings::addSteps(const QStringList& steps, QString* error)
{
    for (const QString& text : steps) {
        const std::optional<TechniqueStep> step = TechniqueStep::parse(text, error);
        if (!step)
            return false;
        if (step->name == QLatin1String("prune-structured")) {
            structuredRatio = step->ratio;
            l2Ranking = step->l2;
            globalRanking = step->global;
        } else if (step->name == QLatin1String("prune-unstructured")) {
            unstructuredRatio = step->ratio;
            globalRanking = globalRanking || step->global;
        } else if (step->name == QLatin1String("distill")) {
            distill = true;
        } else if (step->name == QLatin1String("bf16")) {
            precision = Precision::BFloat16;
        } else if (step->name == QLatin1String("fp16")) {
            precision = Precision::Float16;
        } else if (step->name == QLatin1String("int8-dynamic")) {
            quantization = Quantization::Dynamic;
        } else if (step->name == QLatin1String("int8-static")) {
            quantization = Quantization::Static;
        } else if (step->name == QLatin1String("int8-weight-only")) {
            quantization = Quantization::WeightOnly;
        } else {
            *error = QStringLiteral("the workbench cannot apply %1").arg(text);
            return false;
        }
    }
    return true;
}

bool WorkbenchSettings::addPlan(const Plan& plan, QString* error)
{
    if (plan.hasCodeChanges()) {
        *error = QStringLiteral("a change to the training script (%1), which Memoscope cannot apply for you")
                     .arg(plan.describe(RunConfig {}));
        return false;
    }
    if (!addSteps(plan.applySteps(), error))
        return false;
    if (!plan.checkpointLayers.isEmpty())
        checkpoint = plan.checkpointLayers.join(QLatin1Char(','));
    if (plan.batchSize > 0)
        batch = plan.batchSize;
    switchToSgd = switchToSgd || plan.switchToSgd;
    streamData = streamData || plan.streamData;
    return true;
}

std::optional<Plan> WorkbenchSettings::plan() const
{
    Plan plan;
    plan.pruneRatio = structuredRatio;
    const bool lowerFloat = precision != Precision::Float32;
    const bool int8 = quantization != Quantization::None;
    if (lowerFloat && int8)
        return std::nullopt;
    if (precision == Precision::BFloat16)
        plan.precision = memoscope::Precision::Bf16;
    else if (precision == Precision::Float16)
        plan.precision = memoscope::Precision::Fp16;
    if (quantization == Quantization::Dynamic)
        plan.precision = memoscope::Precision::Int8Dynamic;
    else if (quantization == Quantization::Static)
        plan.precision = memoscope::Precision::Int8Static;
    else if (quantization == Quantization::WeightOnly)
        plan.precision = memoscope::Precision::Int8WeightOnly;
    if (checkpoint == QLatin1String("auto"))
        return std::nullopt; // the CLI picks the segments when it runs
    if (!checkpoint.isEmpty())
        plan.checkpointLayers = checkpoint.split(QLatin1Char(','), Qt::SkipEmptyParts);
    plan.batchSize = batch;
    plan.switchToSgd = switchToSgd;
    plan.streamData = streamData;
    if (!data.trimmed().isEmpty())
        return std::nullopt; // another data set: the replay knows only the one the baseline read
    if (ampBf16 && plan.precision == memoscope::Precision::Float32)
        return std::nullopt; // autocast keeps float32 master weights: not a plan the replay models
    return plan;
}

} // namespace memoscope
