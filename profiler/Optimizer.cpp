#include "Optimizer.h"

#include "Distillation.h"
#include "Fidelity.h"
#include "InputFactory.h"
#include "ProfileError.h"
#include "Profiler.h"
#include "RoundingSteps.h"
#include "TorchModel.h"
#include "TorchWarnings.h"
#include "core/AtomicFile.h"
#include "core/Store.h"
#include "data/Dataset.h"
#include "transform/DynamicQuantization.h"
#include "transform/Precision.h"
#include "transform/Pruning.h"
#include "transform/QuantizedEngine.h"
#include "transform/ScriptEditing.h"
#include "transform/StaticQuantization.h"
#include "transform/WeightOnlyQuantization.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <cstdio>
#include <sstream>

namespace memoscope {

namespace {
    // The first int8 technique of the chain ("int8-static"), empty when there is none.
    QString firstInt8Step(const QStringList& apply)
    {
        for (const QString& technique : apply)
            if (technique.startsWith(QLatin1String("int8")))
                return technique;
        return {};
    }

    void validate(const OptimizeConfig& config)
    {
        if (config.apply.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("nothing to apply: give at least one --apply (%1)")
                    .arg(knownTechniques().join(QStringLiteral(", "))));
        for (const QString& technique : config.apply) {
            QString error;
            if (!TechniqueStep::parse(technique, &error))
                throw ProfileError(ExitBadInput, error);
        }
        // Int8 kernels take float32 activations; bf16 makes every layer compute in bfloat16.
        const QString int8 = firstInt8Step(config.apply);
        if (!int8.isEmpty() && config.apply.contains(QStringLiteral("bf16")))
            throw ProfileError(ExitBadInput,
                QStringLiteral("bf16 and %1 do not combine: int8 layers take float32 inputs and bf16 computes in "
                               "bfloat16. Apply one of them (or fp16, which computes in float32, with %1)")
                    .arg(int8));
        if (config.apply.contains(QStringLiteral("distill")) && config.distillData.isEmpty())
            throw ProfileError(ExitBadInput, QStringLiteral("distill needs its data: --distill DATA"));
        if (!config.studentPath.isEmpty() && !QFileInfo(config.studentPath).isFile())
            throw ProfileError(ExitBadInput, QStringLiteral("student file %1 does not exist").arg(config.studentPath));
        if (config.outPath.isEmpty())
            throw ProfileError(
                ExitBadInput, QStringLiteral("--out FILE is needed: where to write the optimized model"));
        const QString problem = destinationProblem(config.outPath);
        if (!problem.isEmpty())
            throw ProfileError(ExitBadInput, problem);
        const QFileInfo out(config.outPath);
        if (out.exists() && out.canonicalFilePath() == QFileInfo(config.modelPath).canonicalFilePath())
            throw ProfileError(ExitBadInput, QStringLiteral("--out must not be the model itself: choose another file"));
        if (config.inputs.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("--input is needed to check the optimized model and compare it with the original "
                               "(one SHAPE[:DTYPE][:LOW..HIGH] per model input)"));
    }

    // Never a half-written model: serialized in memory, then written beside its destination and renamed.
    void writeModel(const torch::jit::Module& module, const QString& path,
        const std::unordered_map<std::string, std::string>& extraFiles)
    {
        std::ostringstream bytes;
        try {
            module.save(bytes, extraFiles);
        } catch (const std::exception& error) {
            throw ProfileError(ExitFailure, QStringLiteral("cannot write %1: %2").arg(path, shortTorchMessage(error)));
        }
        const std::string serialized = bytes.str();
        QString error;
        if (!writeFileAtomically(
                path, QByteArray::fromRawData(serialized.data(), qsizetype(serialized.size())), &error))
            throw ProfileError(ExitFailure, error);
    }

    class OptimizeSession {
    public:
        OptimizeSession(const OptimizeConfig& config, Store* store, const OptimizeProgress& progress)
            : m_config(config)
            , m_store(store)
            , m_progress(progress)
        {
        }

        OptimizationRecord run();

    private:
        void step(const QString& text)
        {
            if (m_progress)
                m_progress(text);
        }
        TransformOptions transformOptions(const TorchModel& model) const;
        TransformReport apply(const QString& technique, torch::jit::Module& module, const TransformOptions& options,
            const InputFactory& inputs);
        void checkRuns(torch::jit::Module& module, const InputFactory& inputs) const;
        // Applies every --apply step in order to `working` (a separate load of the original), recording each.
        void applyAll(torch::jit::Module& working, TorchModel& original, OptimizationRecord& record,
            const TransformOptions& options, const InputFactory& inputs);
        // Checks, compares and writes the result.
        void finish(
            torch::jit::Module& working, TorchModel& original, OptimizationRecord& record, const InputFactory& inputs);
        void measureAccuracy(torch::jit::Module& model, const QString& after, OptimizationRecord& record) const;
        void profileBoth(OptimizationRecord& record);
        void openData();
        TransformReport distillInto(torch::jit::Module& working, torch::jit::Module& teacher,
            OptimizationRecord& record, const RoundedWeights& rounded = {});
        // `student` is the model before `steps`: distilled seeing its weights rounded as they round them, then
        // given the steps again.
        TransformReport distillThroughRounding(torch::jit::Module& student, const std::vector<RoundingStep>& steps,
            torch::jit::Module& teacher, OptimizationRecord& record, const TransformOptions& options,
            const InputFactory& inputs);

        // Accuracy is measured on --data, else on the distillation data's held-out split.
        std::unique_ptr<Dataset> m_data;
        Dataset* m_evaluation = nullptr;
        std::unique_ptr<Dataset> m_distillTrain;
        std::unique_ptr<Dataset> m_distillHeldOut;

        const OptimizeConfig& m_config;
        Store* m_store;
        const OptimizeProgress& m_progress;
    };

    TransformOptions OptimizeSession::transformOptions(const TorchModel& model) const
    {
        TransformOptions options;
        options.perChannel = m_config.perChannel;
        options.reduceRange = currentQuantizedEngine() != QLatin1String("qnnpack");
        for (const QString& layer : m_config.exclude) {
            if (model.layers.find(layer.toStdString()) < 0) {
                QStringList known;
                for (const Layer& l : model.layers.layers())
                    if (!l.path.isEmpty())
                        known << l.path;
                throw ProfileError(ExitBadInput,
                    QStringLiteral("--exclude %1 names no layer of this model (layers: %2)")
                        .arg(layer,
                            known.mid(0, 12).join(QStringLiteral(", "))
                                + (known.size() > 12 ? QStringLiteral(", ...") : QString())));
            }
            options.excluded.insert(layer.toStdString());
        }
        return options;
    }

    TransformReport OptimizeSession::apply(const QString& technique, torch::jit::Module& module,
        const TransformOptions& options, const InputFactory& inputs)
    {
        if (technique == QLatin1String("bf16"))
            return convertToBf16(module, options);
        if (technique == QLatin1String("fp16"))
            return storeInFp16(module, options);
        if (technique == QLatin1String("int8-dynamic"))
            return quantizeDynamicInt8(module, options);
        if (technique == QLatin1String("int8-weight-only"))
            return storeWeightsInInt8(module, options);
        QString error;
        const TechniqueStep step = *TechniqueStep::parse(technique, &error);
        if (step.name.startsWith(QLatin1String("prune"))) {
            const PruningSettings settings { step.ratio, step.l2, step.global };
            if (step.name == QLatin1String("prune-unstructured"))
                return pruneUnstructured(module, settings, options);
            return pruneStructured(module, inputs.makeInputs(), settings, options);
        }
        // int8-static: calibrate on data or, failing that, on random inputs of the given shapes.
        StaticCalibration calibration;
        calibration.batches = m_config.calibrationBatches;
        if (!m_config.calibration.isEmpty()) {
            DatasetOptions dataOptions;
            dataOptions.sampleShape = sampleShapeOf(m_config.inputs.value(0));
            auto data = Dataset::open(m_config.calibration, dataOptions);
            const int64_t batch = std::max<int64_t>(1, batchSizeOf(m_config.inputs.value(0)));
            calibration.makeInputs = [data = std::shared_ptr<Dataset>(std::move(data)), batch](int index) {
                const DataBatch b = data->batch((index * batch) % std::max<qint64>(1, data->size()), batch);
                return std::vector<torch::jit::IValue> { b.inputs };
            };
        } else {
            calibration.makeInputs = [&inputs](int) { return inputs.makeInputs(); };
            calibration.randomInputs = true;
        }
        return quantizeStaticInt8(module, options, calibration);
    }

    void OptimizeSession::checkRuns(torch::jit::Module& module, const InputFactory& inputs) const
    {
        try {
            torch::NoGradGuard noGrad;
            module.eval();
            module.forward(inputs.makeInputs());
        } catch (const std::exception& error) {
            throw ProfileError(ExitBadInput,
                QStringLiteral("the optimized model does not run (%1), so nothing was written. Leave the failing "
                               "layer out with --exclude LAYER, or drop the technique")
                    .arg(shortTorchMessage(error)));
        }
    }

    // What one step did, kept in the record: the layers it changed or left out, and its notes.
    void recordStep(const QString& technique, const TransformReport& report, OptimizationRecord& record)
    {
        for (const std::string& layer : report.changed)
            if (!record.changedLayers.contains(QString::fromStdString(layer)))
                record.changedLayers << QString::fromStdString(layer);
        for (const SkippedLayer& skipped : report.skipped)
            record.skippedLayers << SkippedLayerRecord { QString::fromStdString(skipped.layer),
                QString::fromStdString(skipped.reason), technique };
        for (const std::string& note : report.notes) {
            // Structured pruning says what it cut in lines "layer: 64 -> 32".
            if (technique.startsWith(QLatin1String("prune-structured")) && note.find(" -> ") != std::string::npos)
                record.prunedLayers << QString::fromStdString(note);
            else
                record.notes << QString::fromStdString(note);
        }
    }

    int64_t batchSizeOfInputs(const OptimizeConfig& config)
    {
        return std::max<int64_t>(1, batchSizeOf(config.inputs.value(0)));
    }

    void OptimizeSession::measureAccuracy(
        torch::jit::Module& model, const QString& after, OptimizationRecord& record) const
    {
        if (m_evaluation)
            record.accuracyByStep << StepAccuracy { after,
                accuracy(model, *m_evaluation, batchSizeOfInputs(m_config)) };
    }

    OptimizationRecord OptimizeSession::run()
    {
        validate(m_config);
        torch::manual_seed(0);
        torch::jit::setGraphExecutorOptimize(false);
        OptimizationRecord record;
        record.sourceModel = QFileInfo(m_config.modelPath).absoluteFilePath();
        record.outputModel = QFileInfo(m_config.outPath).absoluteFilePath();
        record.applied = m_config.apply;

        InputFactory inputs(m_config.inputs, QString());
        if (!firstInt8Step(m_config.apply).isEmpty()) {
            const EngineChoice engine = chooseQuantizedEngine(m_config.engine);
            record.quantizedEngine = engine.engine;
            record.notes << QStringLiteral("quantized engine %1 (%2)").arg(engine.engine, engine.reason);
        }
        step(QStringLiteral("loading"));
        TorchModel original = TorchModel::load(m_config.modelPath);
        original.module.eval();
        inputs.bindTo(original.module); // each spec made as its argument asks (int, list, ...)
        record.paramBytesBefore = original.parameterBytesWithoutBuffers();
        record.bufferBytesBefore = original.bufferBytes;
        record.fileBytesBefore = original.info.fileBytes;
        const TransformOptions options = transformOptions(original);
        checkRuns(original.module, inputs);

        openData();
        measureAccuracy(original.module, QStringLiteral("original"), record);

        // The working copy is a fresh load, so the original stays untouched for the comparison.
        torch::jit::Module working = torch::jit::load(m_config.modelPath.toStdString());
        working.eval();
        applyAll(working, original, record, options, inputs);
        finish(working, original, record, inputs);
        if (m_config.profile)
            profileBoth(record);
        return record;
    }

    void OptimizeSession::applyAll(torch::jit::Module& working, TorchModel& original, OptimizationRecord& record,
        const TransformOptions& options, const InputFactory& inputs)
    {
        // The model before the steps that store its weights rounded (int8, fp16), for a --distill after them.
        torch::jit::Module beforeRounding;
        std::vector<RoundingStep> roundingSteps;
        for (const QString& technique : m_config.apply) {
            step(QStringLiteral("applying %1").arg(technique));
            TransformReport report;
            try {
                if (technique == QLatin1String("distill")) {
                    if (roundingSteps.empty() || !m_config.studentPath.isEmpty()) {
                        report = distillInto(working, original.module, record);
                    } else {
                        working = beforeRounding;
                        report
                            = distillThroughRounding(working, roundingSteps, original.module, record, options, inputs);
                    }
                    roundingSteps.clear();
                } else {
                    if (!storesWeightsRounded(technique))
                        roundingSteps.clear();
                    else if (roundingSteps.empty())
                        beforeRounding = script::roundTrip(working); // a copy
                    report = apply(technique, working, options, inputs);
                    if (storesWeightsRounded(technique))
                        roundingSteps.push_back(RoundingStep { technique, report.changed });
                }
            } catch (const ProfileError&) {
                throw;
            } catch (const std::exception& error) {
                throw ProfileError(ExitBadInput,
                    QStringLiteral("%1 cannot be applied to this model: %2; nothing was written")
                        .arg(technique, shortTorchMessage(error)));
            }
            recordStep(technique, report, record);
            // Edited methods only take effect in a freshly loaded module: the same file the user gets.
            working = script::roundTrip(working);
            working.eval();
            measureAccuracy(working, technique, record);
        }
    }

    void OptimizeSession::finish(
        torch::jit::Module& working, TorchModel& original, OptimizationRecord& record, const InputFactory& inputs)
    {
        if (m_config.sparse) {
            record.paramBytesAfterDense = TorchModel::wrap(working, record.outputModel).parameterBytesWithoutBuffers();
            const TransformReport sparse = storeSparse(working);
            working = script::roundTrip(working);
            working.eval();
            record.notes << QStringLiteral("sparse storage: %1 layers stored as a mask and their non-zero values")
                                .arg(sparse.changed.size());
        }
        QJsonObject applied { { QStringLiteral("applied"), QJsonArray::fromStringList(m_config.apply) },
            { QStringLiteral("source_sha256"), original.info.sha256 } };
        if (!record.quantizedEngine.isEmpty())
            applied[QStringLiteral("quantized_engine")] = record.quantizedEngine;
        const std::unordered_map<std::string, std::string> extraFiles { { "memoscope.json",
            QJsonDocument(applied).toJson(QJsonDocument::Compact).toStdString() } };
        step(QStringLiteral("checking"));
        checkRuns(working, inputs);

        step(QStringLiteral("measuring fidelity"));
        // On the evaluation data when there is some (a model's real inputs), else on inputs made from the specs.
        const int64_t batchSize = batchSizeOfInputs(m_config);
        const auto fidelityInputs = m_evaluation
            ? datasetInputs(*m_evaluation, batchSize)
            : std::function<std::vector<c10::IValue>()>([&inputs] { return inputs.makeInputs(); });
        const int fidelityBatches = m_evaluation
            ? int(std::max<qint64>(1, (m_evaluation->size() + batchSize - 1) / batchSize))
            : m_config.fidelityBatches;
        record.fidelity
            = compareModels(original.module, working, fidelityInputs, fidelityBatches, m_evaluation, batchSize);

        step(QStringLiteral("writing"));
        writeModel(working, m_config.outPath, extraFiles);
        const TorchModel written = TorchModel::wrap(working, record.outputModel);
        record.paramBytesAfter = written.parameterBytesWithoutBuffers();
        record.bufferBytesAfter = written.bufferBytes;
        record.fileBytesAfter = QFileInfo(m_config.outPath).size();
    }

    void OptimizeSession::openData()
    {
        DatasetOptions options;
        options.sampleShape = sampleShapeOf(m_config.inputs.value(0));
        if (!m_config.distillData.isEmpty()) {
            DatasetSplit split = splitHeldOut(Dataset::open(m_config.distillData, options), m_config.heldOutFraction);
            m_distillTrain = std::move(split.train);
            m_distillHeldOut = std::move(split.heldOut);
        }
        if (!m_config.data.isEmpty()) {
            m_data = Dataset::open(m_config.data, options);
            if (!m_data->labelled())
                throw ProfileError(ExitBadInput,
                    QStringLiteral("--data %1 has no labels, so accuracy cannot be measured").arg(m_config.data));
            m_evaluation = m_data.get();
        } else if (m_distillHeldOut && m_distillHeldOut->labelled()) {
            m_evaluation = m_distillHeldOut.get();
        }
    }

    TransformReport OptimizeSession::distillInto(torch::jit::Module& working, torch::jit::Module& teacher,
        OptimizationRecord& record, const RoundedWeights& rounded)
    {
        if (!m_distillTrain)
            throw ProfileError(ExitBadInput, QStringLiteral("distill needs --distill DATA"));
        if (!m_config.studentPath.isEmpty())
            working = TorchModel::load(m_config.studentPath).module;
        const DistillResult result = distill(
            teacher, working, *m_distillTrain, *m_distillHeldOut, m_config.distillSettings,
            [this](const DistillEpoch& epoch) {
                step(QStringLiteral("distilling: epoch %1/%2, loss %3, held-out %4")
                         .arg(epoch.epoch)
                         .arg(m_config.distillSettings.epochs)
                         .arg(epoch.loss, 0, 'f', 4)
                         .arg(epoch.heldOutScore, 0, 'f', 4));
            },
            nullptr, rounded);
        TransformReport report;
        report.notes.push_back("distillation: " + std::to_string(result.epochs.size()) + " epochs on "
            + std::to_string(m_distillTrain->size()) + " samples, best epoch " + std::to_string(result.bestEpoch)
            + (result.stoppedEarly ? ", stopped early: no better on the held-out split" : ""));
        (void)record;
        return report;
    }

    TransformReport OptimizeSession::distillThroughRounding(torch::jit::Module& student,
        const std::vector<RoundingStep>& steps, torch::jit::Module& teacher, OptimizationRecord& record,
        const TransformOptions& options, const InputFactory& inputs)
    {
        TransformReport report
            = distillInto(student, teacher, record, roundedWeightsOf(student, steps, options.perChannel));
        QStringList again;
        for (const RoundingStep& rounding : steps) {
            apply(rounding.technique, student, options, inputs); // its report was taken when it was first applied
            student = script::roundTrip(student);
            student.eval();
            again << rounding.technique;
        }
        report.notes.push_back(QStringLiteral("distillation trained the weights in float32, each forward pass seeing "
                                              "them rounded as %1 stores them, then applied %1 again")
                                   .arg(again.join(QStringLiteral(" and ")))
                                   .toStdString());
        return report;
    }

    void OptimizeSession::profileBoth(OptimizationRecord& record)
    {
        if (!m_store)
            return;
        RunConfig settings = m_config.profileSettings;
        settings.inputs = m_config.inputs;
        for (const bool optimized : { false, true }) {
            if (!optimized && m_config.baselineRunId >= 0) {
                const std::optional<StoredRun> baseline = m_store->load(m_config.baselineRunId, false);
                if (!baseline)
                    throw ProfileError(
                        ExitBadInput, QStringLiteral("there is no baseline run %1").arg(m_config.baselineRunId));
                record.baselineRunId = m_config.baselineRunId;
                record.peakBytesBefore = baseline->metrics.peakBytes;
                continue;
            }
            step(
                optimized ? QStringLiteral("profiling the optimized model") : QStringLiteral("profiling the original"));
            settings.modelPath = optimized ? record.outputModel : record.sourceModel;
            settings.name = optimized ? QStringLiteral("optimized: %1").arg(m_config.apply.join(QStringLiteral(" + ")))
                                      : QStringLiteral("baseline");
            const ProfileOutcome outcome = profileModel(settings, *m_store, m_config.profileProgress);
            if (outcome.exitCode != ExitOk)
                throw ProfileError(outcome.exitCode,
                    QStringLiteral("profiling the %1 model failed: %2")
                        .arg(optimized ? QStringLiteral("optimized") : QStringLiteral("original"), outcome.message));
            const std::optional<StoredRun> run = m_store->load(outcome.runId, false);
            (optimized ? record.optimizedRunId : record.baselineRunId) = outcome.runId;
            (optimized ? record.peakBytesAfter : record.peakBytesBefore) = run->metrics.peakBytes;
        }
        m_store->recordOptimization(record);
    }
}

OptimizeOutcome optimizeModel(const OptimizeConfig& config, Store* store, const OptimizeProgress& progress)
{
    OptimizeOutcome outcome;
    showEachTorchWarningOnce();
    try {
        outcome.record = OptimizeSession(config, store, progress).run();
    } catch (const ProfileError& error) {
        outcome.exitCode = error.code();
        outcome.message = error.message();
    }
    return outcome;
}

} // namespace memoscope
