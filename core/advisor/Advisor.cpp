#include "Advisor.h"

#include "core/ByteFormat.h"

#include <algorithm>
#include <cmath>

namespace memoscope {

QString percentOf(qint64 part, qint64 whole)
{
    return QStringLiteral("%1 %").arg(whole > 0 ? 100.0 * double(part) / double(whole) : 0.0, 0, 'f', 0);
}

namespace {
    bool isLinearLike(const Layer& layer)
    {
        const LayerKind kind = layerKind(layer.type);
        return kind == LayerKind::Linear || kind == LayerKind::Recurrent || kind == LayerKind::Attention;
    }

    bool isConvOrLinear(const Layer& layer)
    {
        const LayerKind kind = layerKind(layer.type);
        return kind == LayerKind::Linear || kind == LayerKind::Conv;
    }

    // "Linear", "Linear and LSTM": the layer types present among those a technique changes.
    QString typesOf(const QVector<Layer>& layers, const std::function<bool(const Layer&)>& which)
    {
        QStringList types;
        for (const Layer& layer : layers)
            if (which(layer) && layer.paramBytes > 0) {
                const QString type = layerKind(layer.type) == LayerKind::Linear ? QStringLiteral("Linear") : layer.type;
                if (!types.contains(type))
                    types << type;
            }
        if (types.size() <= 1)
            return types.value(0);
        return types.mid(0, types.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" and ") + types.last();
    }

    // Each point of expected accuracy loss costs about a quarter of a lever's score, so a safe lever beats a
    // somewhat larger risky one; a smaller batch changes the user's workload rather than the model, so it is
    // listed after levers that keep it.
    double rankScore(const Recommendation& r)
    {
        const double saving = double(std::max<qint64>(0, r.predictedSavingBytes));
        return saving * std::exp(-30.0 * r.risk.expectedAccuracyLoss) * (r.risk.changesWorkload ? 0.5 : 1.0);
    }
}

QString recommendationOrder()
{
    // rankScore() in words.
    return QStringLiteral("best first: the predicted saving, each expected point of accuracy lost costing about a "
                          "quarter of it, halved for a smaller batch (it changes the workload, not the model)");
}

Advisor::Advisor(const StoredRun& run, QVector<MeasuredAccuracy> measured)
    : m_run(run)
    , m_analysis(analyzeTrace(run.trace))
    , m_atPeak(liveAfterEvent(run.trace, m_analysis.peakEventIndex))
    , m_simulator(run.trace, run.summary.config)
    , m_measured(std::move(measured))
{
    if (config().mode == RunMode::Train && !run.trace.events.empty())
        m_checkpointLayers = chooseCheckpointLayers();
}

qint64 Advisor::atPeak(Category category, const std::function<bool(const Layer&)>& which) const
{
    qint64 bytes = 0;
    for (const Layer& layer : m_run.trace.layers)
        if (which(layer))
            bytes += m_atPeak.byLayerAndCategory.value(layer.id)[int(category)];
    return bytes;
}

Risk Advisor::riskOf(const Plan& plan) const
{
    const Risk prior = memoscope::riskOf(plan, config(), recomputeFraction(plan.checkpointLayers));
    if (plan.hasRunOptions() || plan.applySteps().isEmpty())
        return prior;
    const std::optional<MeasuredAccuracy> measured = measurementOf(m_measured, plan.applySteps());
    if (!measured)
        return prior;
    const std::optional<MeasuredAccuracy> distilled
        = measurementOf(m_measured, plan.applySteps() + QStringList { QStringLiteral("distill") });
    return withMeasuredAccuracy(prior, measured->before, measured->after, measured->runId,
        distilled ? std::optional<double>(distilled->after) : std::nullopt);
}

Recommendation Advisor::recommend(
    Lever lever, const QString& technique, const QString& settings, const Plan& plan) const
{
    Recommendation r;
    r.lever = lever;
    r.technique = technique;
    r.settings = settings;
    r.plan = plan;
    r.predictedPeakBytes = plan.isEmpty() ? measuredPeakBytes() : m_simulator.predict(plan).peakBytes;
    r.predictedSavingBytes = measuredPeakBytes() - r.predictedPeakBytes;
    r.predictedSavingFraction
        = measuredPeakBytes() > 0 ? double(r.predictedSavingBytes) / double(measuredPeakBytes()) : 0;
    r.risk = riskOf(plan);
    r.appliedByOptimize = !plan.applySteps().isEmpty() && !plan.hasRunOptions();
    return r;
}

void Advisor::addPrecisionLevers(QVector<Recommendation>* list, QStringList* notes) const
{
    const qint64 peak = measuredPeakBytes();
    const bool training = config().mode == RunMode::Train;
    const QString peakName = training ? QStringLiteral("the training peak") : QStringLiteral("the inference peak");
    auto all = [](const Layer&) { return true; };

    Plan bf16;
    bf16.precision = Precision::Bf16;
    Recommendation half = recommend(Lever::Bf16, QStringLiteral("bfloat16"), QStringLiteral("bf16"), bf16);
    const qint64 halvable = atPeak(Category::Parameter, all) + atPeak(Category::Gradient, all)
        + atPeak(Category::OptimizerState, all) + m_atPeak.byCategory[int(Category::Activation)]
        + m_atPeak.byCategory[int(Category::Temporary)];
    half.reason
        = QStringLiteral("%1 and activations are %2 of %3: bfloat16 halves them, saving about %4")
              .arg(training ? QStringLiteral("Parameters, gradients, optimizer state") : QStringLiteral("Parameters"),
                  percentOf(halvable, peak), peakName, formatBytes(half.predictedSavingBytes));
    *list << half;

    if (training) {
        *notes << QStringLiteral(
            "int8 and fp16 are for inference: quantized or float16-stored weights are not trained here");
        return;
    }

    Plan fp16;
    fp16.precision = Precision::Fp16;
    Recommendation storage = recommend(Lever::Fp16, QStringLiteral("float16 storage"), QStringLiteral("fp16"), fp16);
    storage.reason = QStringLiteral("Parameters are %1 of %2: float16 storage halves them, but each layer computes in "
                                    "float32 from a copy, so it saves about %3")
                         .arg(percentOf(atPeak(Category::Parameter, all), peak), peakName,
                             formatBytes(storage.predictedSavingBytes));
    *list << storage;

    const qint64 linearWeights = atPeak(Category::Parameter, isLinearLike);
    if (linearWeights > 0) {
        Plan plan;
        plan.precision = Precision::Int8Dynamic;
        Recommendation r = recommend(
            Lever::Int8Dynamic, QStringLiteral("int8 dynamic quantization"), QStringLiteral("int8-dynamic"), plan);
        r.reason = QStringLiteral("%1 weights are %2 of %3: int8 dynamic quantization saves about %4")
                       .arg(typesOf(m_run.trace.layers, isLinearLike), percentOf(linearWeights, peak), peakName,
                           formatBytes(r.predictedSavingBytes));
        *list << r;
    } else {
        *notes << QStringLiteral("int8-dynamic: the model has no Linear, LSTM or GRU weights to quantize");
    }

    const qint64 convLinear = atPeak(Category::Parameter, isConvOrLinear);
    if (convLinear > 0) {
        Plan plan;
        plan.precision = Precision::Int8Static;
        Recommendation r = recommend(
            Lever::Int8Static, QStringLiteral("int8 static quantization"), QStringLiteral("int8-static"), plan);
        r.reason = QStringLiteral("%1 weights are %2 of %3: int8 static quantization saves about %4 "
                                  "(its engine may keep repacked weights besides)")
                       .arg(typesOf(m_run.trace.layers, isConvOrLinear), percentOf(convLinear, peak), peakName,
                           formatBytes(r.predictedSavingBytes));
        *list << r;
    }

    Plan weightOnly;
    weightOnly.precision = Precision::Int8WeightOnly;
    Recommendation r = recommend(Lever::Int8WeightOnly, QStringLiteral("int8 weight-only storage"),
        QStringLiteral("int8-weight-only"), weightOnly);
    r.reason
        = QStringLiteral("Parameters are %1 of %2: int8 storage saves about %3, each layer turning its weights "
                         "back into float32 as it runs")
              .arg(percentOf(atPeak(Category::Parameter, all), peak), peakName, formatBytes(r.predictedSavingBytes));
    *list << r;
}

void Advisor::addPruningLevers(QVector<Recommendation>* list) const
{
    const qint64 peak = measuredPeakBytes();
    Plan plan;
    plan.pruneRatio = 0.5;
    Recommendation r = recommend(
        Lever::PruneStructured, QStringLiteral("structured pruning"), QStringLiteral("prune-structured=0.5"), plan);
    qint64 held = 0;
    for (const Layer& layer : m_run.trace.layers)
        if (isConvOrLinear(layer) || layerKind(layer.type) == LayerKind::BatchNorm)
            for (Category category :
                { Category::Parameter, Category::Gradient, Category::OptimizerState, Category::Activation })
                held += m_atPeak.byLayerAndCategory.value(layer.id)[int(category)];
    r.reason = QStringLiteral("%1 layers hold %2 of the peak (weights and activations): removing half their channels "
                              "saves about %3")
                   .arg(typesOf(m_run.trace.layers, isConvOrLinear), percentOf(held, peak),
                       formatBytes(r.predictedSavingBytes));
    *list << r;

    Recommendation zeroes = recommend(Lever::PruneUnstructured, QStringLiteral("unstructured pruning"),
        QStringLiteral("prune-unstructured=0.5"), Plan {});
    zeroes.risk = unstructuredPruningRisk(0.5);
    zeroes.appliedByOptimize = false; // never part of a plan: it saves nothing the profile would see
    zeroes.reason
        = QStringLiteral("Zeroed weights stay in dense tensors, so it saves no memory; only a --sparse export "
                         "stores them smaller");
    *list << zeroes;

    Recommendation distill
        = recommend(Lever::Distill, QStringLiteral("distillation"), QStringLiteral("--distill DATA"), Plan {});
    distill.risk = distillationRisk();
    distill.reason = QStringLiteral("Saves no memory itself: after pruning or int8, training against the original "
                                    "wins back the accuracy they cost");
    *list << distill;
}

QStringList Advisor::chooseCheckpointLayers() const
{
    const qint64 activationsAtPeak = m_atPeak.byCategory[int(Category::Activation)];
    QStringList layers;
    for (const Layer& layer : m_run.trace.layers) {
        if (layer.depth != 1 || layer.pseudo)
            continue;
        const qint64 saved = m_simulator.keptActivationBytes(layer.id) - m_simulator.boundaryBytes(layer.id);
        if (activationsAtPeak > 0 && saved >= activationsAtPeak / 20)
            layers << layer.path;
    }
    auto peakWith = [this](const QStringList& checkpointed) {
        Plan plan;
        plan.checkpointLayers = checkpointed;
        return m_simulator.predict(plan).peakBytes;
    };
    // Drop layers one at a time while the peak does not rise: each one dropped is compute saved.
    qint64 best = peakWith(layers);
    for (bool dropped = true; dropped && !layers.isEmpty();) {
        dropped = false;
        for (int i = 0; i < layers.size(); ++i) {
            QStringList fewer = layers;
            fewer.removeAt(i);
            const qint64 peak = peakWith(fewer);
            if (peak <= best) {
                best = peak;
                layers = fewer;
                dropped = true;
                break;
            }
        }
    }
    return layers;
}

double Advisor::recomputeFraction(const QStringList& layers) const
{
    if (layers.isEmpty())
        return 0;
    const int iterations = std::max(1, m_run.trace.iterationCount());
    const QVector<LayerRow> rows
        = layerRows(m_run.trace.layers, m_run.layerStats, iterations, LayerScope::WithChildren);
    double forward = 0;
    double step = 0;
    for (const LayerRow& row : rows) {
        if (row.depth != 1)
            continue;
        step += row.forwardMs + row.backwardMs;
        if (layers.contains(row.path))
            forward += row.forwardMs;
    }
    return step > 0 ? forward / step : 0;
}

void Advisor::addTrainingLevers(QVector<Recommendation>* list, QStringList* notes) const
{
    const qint64 peak = measuredPeakBytes();
    const QStringList candidates = checkpointCandidates();
    const QString checkpointed = config().checkpoint == QLatin1String("none") ? QString() : config().checkpoint;
    if (!checkpointed.isEmpty()) {
        // The run's trace already holds the recomputes: replaying another plan over it would count them twice.
        *notes << QStringLiteral("gradient checkpointing: this run already checkpoints %1").arg(checkpointed);
    } else if (!candidates.isEmpty()) {
        Plan plan;
        plan.checkpointLayers = candidates;
        Recommendation r = recommend(Lever::Checkpoint, QStringLiteral("gradient checkpointing"),
            QStringLiteral("--checkpoint ") + candidates.join(QLatin1Char(',')), plan);
        qint64 kept = 0;
        for (const QString& path : candidates) {
            const qint32 top = m_simulator.layerIdOfPath(path);
            kept += atPeak(
                Category::Activation, [&](const Layer& layer) { return m_run.trace.topLevelLayer(layer.id) == top; });
        }
        r.reason
            = QStringLiteral("Activations of %1 are %2 of the training peak: checkpointing keeps only their outputs "
                             "and rebuilds the rest in backward, saving about %3")
                  .arg(candidates.join(QStringLiteral(", ")), percentOf(kept, peak),
                      formatBytes(r.predictedSavingBytes));
        if (r.predictedSavingBytes > 0)
            *list << r;
        else
            *notes << QStringLiteral("gradient checkpointing: activations of %1 are only %2 of the training peak; "
                                     "rebuilding them in backward would cost more than dropping them saves")
                          .arg(candidates.join(QStringLiteral(", ")), percentOf(kept, peak));
    } else {
        *notes << QStringLiteral("gradient checkpointing: no top-level layer keeps much more than its output");
    }

    if (config().optimizer == OptimizerKind::Adam) {
        Plan plan;
        plan.switchToSgd = true;
        Recommendation r = recommend(
            Lever::OptimizerState, QStringLiteral("optimizer state"), QStringLiteral("--optimizer sgd"), plan);
        r.reason = QStringLiteral("Adam's state is %1 of the training peak (two copies of the parameters): SGD with "
                                  "momentum keeps one, saving about %2")
                       .arg(percentOf(m_atPeak.byCategory[int(Category::OptimizerState)], peak),
                           formatBytes(r.predictedSavingBytes));
        *list << r;
    } else {
        *notes << QStringLiteral("optimizer state: SGD with momentum already keeps a single copy of the parameters");
    }
}

void Advisor::addDataLevers(QVector<Recommendation>* list) const
{
    const qint64 peak = measuredPeakBytes();
    const int batch = m_simulator.batchSize();
    if (batch >= 2) {
        Plan plan;
        plan.batchSize = batch / 2;
        Recommendation r = recommend(
            Lever::Batch, QStringLiteral("batch size"), plan.runOptions(config()).join(QLatin1Char(' ')), plan);
        const qint64 perBatch = m_atPeak.byCategory[int(Category::Activation)]
            + m_atPeak.byCategory[int(Category::Input)] + m_atPeak.byCategory[int(Category::Output)]
            + m_atPeak.byCategory[int(Category::Temporary)];
        r.reason = QStringLiteral("Activations, inputs and outputs are %1 of the peak, about %2 per sample: batch %3 "
                                  "instead of %4 saves about %5")
                       .arg(percentOf(perBatch, peak), formatBytes(perBatch / batch))
                       .arg(plan.batchSize)
                       .arg(batch)
                       .arg(formatBytes(r.predictedSavingBytes));
        *list << r;
    }

    Plan plan;
    plan.streamData = true;
    Recommendation r
        = recommend(Lever::StreamData, QStringLiteral("streaming data"), plan.runOptions(config()).join(QLatin1Char(' ')), plan);
    const qint64 input = m_simulator.largestInputLive();
    const qint64 oneBatch = m_simulator.batchInputBytes();
    const qint64 data = m_simulator.largestDataLive();
    if (data > 0 && config().dataReading == DataReading::InMemory)
        r.reason = QStringLiteral("The run holds its whole data set, %1 (%2 of the peak): streaming it in batches "
                                  "saves about %3")
                       .arg(formatBytes(data), percentOf(m_atPeak.byCategory[int(Category::Data)], peak),
                           formatBytes(r.predictedSavingBytes));
    else if (data > 0)
        r.reason = QStringLiteral("The data set is already streamed: %1 held at most").arg(formatBytes(data));
    else if (oneBatch > 0 && input > oneBatch)
        r.reason = QStringLiteral("The run holds %1 of input, %2 batches: streaming keeps one, saving about %3")
                       .arg(formatBytes(input))
                       .arg(double(input) / double(oneBatch), 0, 'f', 1)
                       .arg(formatBytes(r.predictedSavingBytes));
    else
        r.reason
            = QStringLiteral("The run holds %1 of input, a single batch: streaming the data set saves nothing here")
                  .arg(formatBytes(input));
    *list << r;
}

// A rank of a data-parallel job: each rank keeps the optimizer's state for every parameter, which
// ZeroRedundancyOptimizer shards across them. Predicted from this rank alone, for the job's own number of ranks.
void Advisor::addDataParallelLevers(QVector<Recommendation>* list, QStringList* notes) const
{
    const int ranks = config().worldSize;
    const qint64 state = m_atPeak.byCategory[int(Category::OptimizerState)];
    if (ranks < 2 || state == 0)
        return;
    if (config().optimizerClass.contains(QLatin1String("ZeroRedundancyOptimizer"))) {
        *notes << QStringLiteral("sharded optimizer state: the job already shards it with ZeroRedundancyOptimizer");
        return;
    }
    Plan plan;
    plan.shardOptimizerRanks = ranks;
    const QString optimizer = config().optimizerClass.isEmpty() ? QStringLiteral("Adam") : config().optimizerClass;
    Recommendation r = recommend(Lever::ShardOptimizerState, QStringLiteral("sharded optimizer state"),
        QStringLiteral("ZeroRedundancyOptimizer(model.parameters(), optimizer_class=torch.optim.%1) over %2 ranks")
            .arg(optimizer)
            .arg(ranks),
        plan);
    r.reason = QStringLiteral("Every rank keeps the optimizer's state for every parameter, %1 of this rank's peak: "
                              "sharded across the job's %2 ranks, each keeps about a %2th, saving about %3 per rank "
                              "(a change to the training script)")
                   .arg(percentOf(state, measuredPeakBytes()))
                   .arg(ranks)
                   .arg(formatBytes(r.predictedSavingBytes));
    *list << r;
}

Advice Advisor::advice() const
{
    Advice advice;
    advice.runId = m_run.summary.id;
    advice.mode = config().mode;
    advice.measuredPeakBytes = measuredPeakBytes();
    if (m_run.trace.events.empty()) {
        advice.notes << QStringLiteral(
            "the run has no recorded allocations (not traced, or failed before its first step)");
        return advice;
    }
    addPrecisionLevers(&advice.recommendations, &advice.notes);
    addPruningLevers(&advice.recommendations);
    if (config().mode == RunMode::Train) {
        addTrainingLevers(&advice.recommendations, &advice.notes);
        addDataParallelLevers(&advice.recommendations, &advice.notes);
    } else
        advice.notes << QStringLiteral("gradient checkpointing and the optimizer's state matter in training only");
    addDataLevers(&advice.recommendations);

    std::stable_sort(advice.recommendations.begin(), advice.recommendations.end(),
        [](const Recommendation& a, const Recommendation& b) {
            const double scoreA = rankScore(a);
            const double scoreB = rankScore(b);
            if (scoreA != scoreB)
                return scoreA > scoreB;
            return a.risk.expectedAccuracyLoss < b.risk.expectedAccuracyLoss;
        });
    return advice;
}

} // namespace memoscope
