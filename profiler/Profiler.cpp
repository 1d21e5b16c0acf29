#include "Profiler.h"

#include "AllocationRecorder.h"
#include "CheckpointChoice.h"
#include "ModuleHierarchy.h"
#include "OperatorLibraries.h"
#include "ProfileError.h"
#include "StepRunner.h"
#include "TorchWarnings.h"
#include "TrainingData.h"
#include "core/Analysis.h"
#include "core/MemoryGuard.h"
#include "core/Store.h"
#include "transform/Checkpointing.h"
#include "transform/QuantizedEngine.h"

#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <dlfcn.h>
#include <unordered_set>

namespace memoscope {

QString libtorchVersion() { return QStringLiteral(TORCH_VERSION); }

namespace {
    // The kernel's high-water mark of this process's resident memory.
    qint64 peakResidentBytes()
    {
        QFile status(QStringLiteral("/proc/self/status"));
        if (!status.open(QIODevice::ReadOnly))
            return 0;
        for (const QByteArray& line : status.readAll().split('\n'))
            if (line.startsWith("VmHWM:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
        return 0;
    }

    // LibTorch's thread setting does not reach OpenBLAS, whose own pool otherwise keeps one spinning thread
    // per core beside the run (measured: it skews timings on a 2-core machine). OpenBLAS is found at run time
    // because which BLAS libblas.so.3 points to is the system's choice.
    void setBlasThreads(int threads)
    {
        using SetThreads = void (*)(int);
        if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
            set(threads);
    }

    void validate(const RunConfig& config)
    {
        if (config.iterations < 1)
            throw ProfileError(ExitBadInput, QStringLiteral("--iterations must be at least 1"));
        if (config.warmup < 0)
            throw ProfileError(ExitBadInput, QStringLiteral("--warmup must not be negative"));
        if (config.threads < 0 || config.threads > maxThreads())
            throw ProfileError(ExitBadInput,
                QStringLiteral("--threads must be a whole number from 1 to %1 (4 per core of this machine), not %2")
                    .arg(maxThreads())
                    .arg(config.threads));
        if (config.memoryLimitBytes < 0)
            throw ProfileError(ExitBadInput, QStringLiteral("--memory-limit must be a positive number of bytes"));
        if (!config.labels.isEmpty() && config.mode != RunMode::Train)
            throw ProfileError(ExitBadInput, QStringLiteral("--labels only make sense with --mode train"));
        const bool checkpointing = !config.checkpoint.isEmpty() && config.checkpoint != QLatin1String("none");
        if (checkpointing && config.mode != RunMode::Train)
            throw ProfileError(ExitBadInput,
                QStringLiteral("--checkpoint only makes sense with --mode train: without a backward pass nothing is "
                               "kept for it"));
        if (!config.data.isEmpty() && !config.labels.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("--labels and --data do not go together: a labelled data set brings its own labels"));
        if (config.amp == QLatin1String("fp16"))
            throw ProfileError(ExitBadInput,
                QStringLiteral(
                    "--amp fp16 is not offered: this CPU build of LibTorch has no float16 kernels for "
                    "matmul, convolution or LayerNorm, so nothing would compute in float16; use --amp bf16"));
        if (!config.amp.isEmpty() && config.amp != QLatin1String("bf16"))
            throw ProfileError(ExitBadInput, QStringLiteral("--amp must be bf16, not '%1'").arg(config.amp));
        if (config.data.isEmpty() && config.batch > 0)
            throw ProfileError(ExitBadInput, QStringLiteral("--batch is the batch size of --data; give --data too"));
    }

    // Stored with the run, the files it read must be found again from any folder (the GUI's Run..., advise
    // --apply): paths relative to where the command ran are made absolute. Specs that are no file stay as given.
    RunConfig withAbsolutePaths(const RunConfig& config)
    {
        auto absolute = [](const QString& path) {
            const QFileInfo file(path);
            return !path.isEmpty() && file.exists() ? file.absoluteFilePath() : path;
        };
        RunConfig result = config;
        result.modelPath = absolute(config.modelPath);
        for (QString& input : result.inputs)
            input = absolute(input);
        result.labels = absolute(config.labels);
        result.data = absolute(config.data);
        return result;
    }

    // With --data: the model's per-sample shape and the batch size from the first --input when one is given.
    std::unique_ptr<TrainingData> openData(const RunConfig& config)
    {
        if (config.data.isEmpty())
            return nullptr;
        const QString first = config.inputs.value(0);
        const int64_t fromInput = first.isEmpty() ? 0 : batchSizeOf(first);
        const int64_t batch = config.batch > 0 ? config.batch : (fromInput > 0 ? fromInput : 32);
        return std::make_unique<TrainingData>(
            config.data, config.dataReading, first.isEmpty() ? std::vector<int64_t>() : sampleShapeOf(first), batch);
    }

    // What exists before the first measured iteration: the model's parameters and buffers, the optimizer
    // state made during warm-up, and tensors read from input files.
    void recordSetup(AllocationRecorder& recorder, const TorchModel& model, const StepRunner& runner,
        const InputFactory* inputs, const TrainingData* data)
    {
        std::unordered_set<void*> seen;
        auto add = [&](const at::Tensor& tensor, Category category, qint32 layer) {
            if (tensor.defined() && seen.insert(storageAddress(tensor)).second)
                recorder.addSetupTensor(storageAddress(tensor), storageBytes(tensor), category, layer);
        };
        for (const OwnedTensor& owned : model.stateTensors)
            add(owned.tensor, Category::Parameter, owned.layerId);
        for (const OwnedTensor& owned : runner.optimizerState())
            add(owned.tensor, Category::OptimizerState, owned.layerId);
        if (inputs)
            for (const at::Tensor& tensor : inputs->fileTensors())
                add(tensor, Category::Input, -1);
        if (data)
            for (const at::Tensor& tensor : data->heldTensors())
                add(tensor, Category::Data, -1);
        // Memory the loaded model holds outside its tensors (weights a quantized engine repacked, constants of
        // its code): part of what the run needs, owned by no layer we can name.
        recorder.addRemainingLiveBlocks(Category::Parameter, -1);
    }

    // What the run should say about how the model loaded: weights held as constants, operator libraries and
    // operators Memoscope supplied, and a file whose layers cannot be told apart.
    void describeModel(const TorchModel& model, RunMetrics* metrics)
    {
        metrics->constantBytes = model.constantBytes;
        metrics->constantCount = model.constantCount;
        metrics->operatorLibraries = loadedOperatorLibraries();
        metrics->suppliedOperators = model.suppliedOperators;
        // Frozen and mobile-optimized files inline every layer into one forward, and LibTorch 1.13 saves no
        // call stack with the inlined code (only the innermost source line, the same for every Conv2d).
        if (model.layers.layers().size() == 1 && model.constantCount > 0)
            metrics->attributionNote = QStringLiteral(
                "this file keeps no module structure (frozen or optimized for mobile: every layer is inlined into "
                "one forward, and the file records no call stacks to recover their names), so its ops are all "
                "credited to the whole model");
    }

    class Session {
    public:
        Session(const RunConfig& config, Store& store, const ProgressCallback& progress,
            const CheckpointBudgetPlan* budgetPlan)
            : m_config(config)
            , m_store(store)
            , m_progress(progress)
            , m_budgetPlan(budgetPlan)
        {
        }

        ProfileOutcome run();

    private:
        // Loads the model as the run asks (engine, operator libraries, checkpointing) and binds the inputs to it.
        TorchModel load(std::optional<InputFactory>& inputs);
        // The warm-up and measured iterations, recording as the run asks.
        void iterate(TorchModel& model, StepRunner& runner, qint32 lossLayer, InputFactory* inputs, TrainingData* data);
        void report(ProfileProgress::Stage stage, int iteration, int total)
        {
            if (m_progress)
                m_progress(ProfileProgress { stage, m_runId, iteration, total });
        }
        void store(RunStatus status, const QString& error, const RunTrace& trace);
        // The recorded trace; an untraced run keeps the layer tree so it still shows parameters per layer.
        RunTrace takeTrace(const TorchModel& model)
        {
            if (m_recording)
                return m_recorder.finish();
            RunTrace layersOnly;
            layersOnly.layers = model.layers.layers();
            return layersOnly;
        }

        const RunConfig& m_config;
        Store& m_store;
        const ProgressCallback& m_progress;
        const CheckpointBudgetPlan* m_budgetPlan; // null unless --checkpoint budget= was planned
        AllocationRecorder& m_recorder = AllocationRecorder::instance();
        bool m_recording = false;
        qint64 m_runId = -1;
        RunMetrics m_metrics;
    };

    // The layer of each module object, for the recorder to attribute ops by their calls' `self`; none for a model
    // whose calls are inlined (frozen), where it falls back to the interpreter's module path of every op.
    std::unordered_map<const void*, qint32> moduleLayers(TorchModel& model)
    {
        std::unordered_map<const void*, qint32> layers;
        if (modelHasInlinedCalls(model.module))
            return layers;
        for (const ModuleObject& module : moduleObjects(model.module))
            layers.emplace(module.object, model.layers.findOrAdd(module.path, module.type));
        return layers;
    }

    TorchModel Session::load(std::optional<InputFactory>& inputs)
    {
        // Packed quantized weights are repacked for the current engine as a model loads: choose it first.
        const bool askedForEngine
            = !m_config.quantizedEngine.isEmpty() && m_config.quantizedEngine != QLatin1String("auto");
        chooseQuantizedEngine(m_config.quantizedEngine);
        QElapsedTimer loading;
        loading.start();
        if (const QString error = loadOperatorLibraries(m_config.opsLibraries); !error.isEmpty())
            throw ProfileError(ExitBadInput, error);
        TorchModel model = TorchModel::load(m_config.modelPath, !askedForEngine);
        m_metrics.loadMs = double(loading.nsecsElapsed()) / 1e6;
        describeModel(model, &m_metrics);
        m_metrics.quantizedEngine = currentQuantizedEngine();
        if (inputs)
            inputs->bindTo(model.module); // a spec that does not fit its argument stores nothing
        // Before the model first runs: code the interpreter has compiled would keep calling the old forwards.
        if (m_config.mode == RunMode::Train) {
            const std::vector<std::string> segments
                = m_budgetPlan ? m_budgetPlan->segments : checkpointSegments(m_config.checkpoint, model.module);
            for (const std::string& segment : applyCheckpointing(model.module, segments).changed)
                m_metrics.checkpointSegments << QString::fromStdString(segment);
            if (m_budgetPlan) {
                m_metrics.plannedPeakBytes = m_budgetPlan->plannedPeakBytes;
                m_metrics.plannedStepMs = m_budgetPlan->plannedStepMs;
            }
        }
        return model;
    }

    void Session::iterate(
        TorchModel& model, StepRunner& runner, qint32 lossLayer, InputFactory* inputs, TrainingData* data)
    {
        // Under a memory limit (always: the guard, or the machine's memory) the warm-up is recorded too, so
        // that a limit reached there names the layer and the phase; its events are dropped when the measured
        // iterations begin.
        const bool recordWarmup = m_config.trace;
        const int total = m_config.warmup + m_config.iterations;
        for (int i = 0; i < total; ++i) {
            const bool measured = i >= m_config.warmup;
            if (m_config.trace && (i == m_config.warmup || (i == 0 && recordWarmup))) {
                if (m_recording)
                    m_recorder.discard();
                m_recorder.begin(&model.layers, lossLayer, moduleLayers(model));
                m_recording = true;
                recordSetup(m_recorder, model, runner, inputs, data);
            }
            if (i == m_config.warmup)
                resetCheckpointStats();
            if (measured)
                report(ProfileProgress::Stage::Measuring, i - m_config.warmup + 1, m_config.iterations);
            else
                report(ProfileProgress::Stage::Warmup, i + 1, m_config.warmup);
            QElapsedTimer timer;
            timer.start();
            runner.runIteration(measured ? i - m_config.warmup : i, m_recording ? &m_recorder : nullptr);
            if (measured)
                m_metrics.iterationMs << double(timer.nsecsElapsed()) / 1e6;
        }
    }

    ProfileOutcome Session::run()
    {
        ProfileOutcome outcome;
        validate(m_config);
        const qint64 memoryLimit = effectiveMemoryLimit(m_config);
        m_recorder.install(); // before loading, so the model's own tensors count against the limit
        if (m_config.threads > 0) {
            at::set_num_threads(m_config.threads);
            setBlasThreads(m_config.threads);
        }
        torch::manual_seed(0);
        // The graph executor's optimizations fuse a training graph into one differentiable node, hiding which
        // layer each backward allocation belongs to. Without them TorchScript runs op by op, as eager PyTorch.
        torch::jit::setGraphExecutorOptimize(false);

        // With --data the inputs come from the data set; --input then only gives their shape, if anything.
        std::optional<InputFactory> inputs;
        if (m_config.data.isEmpty())
            inputs.emplace(m_config.inputs, m_config.labels);
        const std::unique_ptr<TrainingData> data = openData(m_config);
        TorchModel model = load(inputs);
        if (data)
            m_metrics.data = data->description();
        m_runId = m_store.beginRun(m_store.recordModel(model.info), m_config);
        outcome.runId = m_runId;
        report(ProfileProgress::Stage::Started, 0, 0);

        m_metrics.threads = at::get_num_threads();
        m_metrics.libtorchVersion = libtorchVersion();
        m_metrics.traced = m_config.trace;
        try {
            StepRunner runner(model, inputs ? &*inputs : nullptr, data.get(), m_config);
            const qint32 lossLayer = runner.training()
                ? model.layers.addPseudo(QStringLiteral("<loss>"),
                    m_config.labels.isEmpty() ? QStringLiteral("mean") : QStringLiteral("cross_entropy"))
                : -1;
            m_recorder.setMemoryLimit(memoryLimit);
            iterate(model, runner, lossLayer, inputs ? &*inputs : nullptr, data.get());
            m_metrics.recomputeMs = double(checkpointStats().recomputeNs) / 1e6 / m_config.iterations;
            m_metrics.phasePrecision = runner.phasePrecision();
            m_metrics.losses = runner.losses().mid(m_config.warmup);
            m_recorder.setMemoryLimit(0);
            report(ProfileProgress::Stage::Saving, 0, 0);
            store(RunStatus::Complete, QString(), takeTrace(model));
            return outcome;
        } catch (const ProfileError& error) {
            m_recorder.setMemoryLimit(0);
            if (error.code() == ExitOutOfMemory) {
                m_metrics.hasOutOfMemory = true;
                if (m_recording)
                    m_recorder.endIteration(model.module.is_training());
                m_metrics.outOfMemory = m_recorder.outOfMemoryMoment();
            }
            store(error.code() == ExitOutOfMemory ? RunStatus::OutOfMemory : RunStatus::Failed, error.message(),
                takeTrace(model));
            outcome.exitCode = error.code();
            outcome.message = error.message();
            return outcome;
        }
    }

    void Session::store(RunStatus status, const QString& error, const RunTrace& trace)
    {
        m_metrics.iterationMsMedian = median(m_metrics.iterationMs);
        m_metrics.rssPeakBytes = peakResidentBytes();
        const RunAnalysis analysis = analyzeTrace(trace);
        if (m_recording) {
            m_metrics.unmatchedFrees = m_recorder.unmatchedFrees();
            applyAnalysis(trace, analysis, &m_metrics);
        }
        m_store.saveTrace(m_runId, trace, analysis.layerStats);
        m_store.finishRun(m_runId, status, error, m_metrics);
    }
}

ProfileOutcome profileModel(const RunConfig& config, Store& store, const ProgressCallback& progress)
{
    showEachTorchWarningOnce();
    try {
        std::optional<CheckpointBudgetPlan> plan;
        if (isCheckpointBudget(config.checkpoint)) {
            validate(config);
            plan = planCheckpointBudget(config); // measured runs of its own, before this run is stored
        } else if (isCheckpointSelective(config.checkpoint)) {
            validate(config);
            plan = planSelectiveCheckpointing(config);
        }
        // The guard is what was available when this run started, recorded with it (a rerun elsewhere derives
        // its own).
        RunConfig guarded = withAbsolutePaths(config);
        if (guarded.memoryLimitBytes == 0 && guarded.memoryGuard)
            guarded.memoryGuardBytes = memoryGuardBytes();
        return Session(guarded, store, progress, plan ? &*plan : nullptr).run();
    } catch (const ProfileError& error) {
        return ProfileOutcome { error.code(), -1, error.message() };
    }
}

} // namespace memoscope
