// Exact accounting on a model whose memory is known in advance: an MLP built here as a TorchScript module,
// 64 -> 128 -> 64 -> 10 with ReLU modules, batch 8, float32.

#include "core/Store.h"
#include "profiler/Profiler.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>
#include <map>

using namespace memoscope;

namespace {
constexpr qint64 batch = 8;
constexpr qint64 fc1Bytes = (64 * 128 + 128) * 4;
constexpr qint64 fc2Bytes = (128 * 64 + 64) * 4;
constexpr qint64 fc3Bytes = (64 * 10 + 10) * 4;
constexpr qint64 paramBytes = fc1Bytes + fc2Bytes + fc3Bytes; // 68904

torch::jit::Module submodule(const std::shared_ptr<torch::jit::CompilationUnit>& unit, const char* type,
    const char* source)
{
    torch::jit::Module module(c10::QualifiedName(std::string("__torch__.") + type), unit, /*shouldMangle=*/true);
    module.define(source);
    return module;
}

torch::jit::Module linear(const std::shared_ptr<torch::jit::CompilationUnit>& unit, int64_t in, int64_t out)
{
    torch::jit::Module module(c10::QualifiedName("__torch__.Linear"), unit, /*shouldMangle=*/true);
    module.register_parameter("weight", (torch::randn({ out, in }) * 0.1).requires_grad_(), false);
    module.register_parameter("bias", torch::zeros({ out }).requires_grad_(), false);
    module.define("def forward(self, x):\n    return torch.linear(x, self.weight, self.bias)\n");
    return module;
}

QString saveMlp(const QString& folder)
{
    auto unit = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module mlp(c10::QualifiedName("__torch__.MLP"), unit, /*shouldMangle=*/true);
    mlp.register_module("fc1", linear(unit, 64, 128));
    mlp.register_module("act1", submodule(unit, "ReLU", "def forward(self, x):\n    return torch.relu(x)\n"));
    mlp.register_module("fc2", linear(unit, 128, 64));
    mlp.register_module("act2", submodule(unit, "ReLU", "def forward(self, x):\n    return torch.relu(x)\n"));
    mlp.register_module("fc3", linear(unit, 64, 10));
    mlp.define("def forward(self, x):\n    h = self.act1.forward(self.fc1.forward(x))\n    return self.fc3.forward(self.act2.forward(self.fc2.forward(h)))\n");
    const QString path = folder + QStringLiteral("/mlp.pt");
    mlp.save(path.toStdString());
    return path;
}

// Bytes allocated per category and iteration (setup memory separately), and each layer's allocations.
struct Totals {
    std::map<Category, qint64> perIteration;
    std::map<Category, qint64> setup; // owned by a layer
    qint64 setupWithoutLayer = 0; // what the loaded model holds outside its tensors
    std::map<QString, std::map<Category, qint64>> byLayer;
    std::map<Category, QList<qint64>> sizes; // individual allocation sizes of the first iteration
};

Totals totalsOf(const StoredRun& run)
{
    Totals totals;
    const int iterations = run.summary.config.iterations;
    const qint64 firstIterationEnd = run.trace.phases.isEmpty() ? 0 : run.trace.phases.front().startNs;
    qint64 secondIterationStart = std::numeric_limits<qint64>::max();
    for (const PhaseSpan& span : run.trace.phases)
        if (span.iteration == 1)
            secondIterationStart = std::min(secondIterationStart, span.startNs);
    Q_UNUSED(firstIterationEnd);
    for (const Event& event : run.trace.events) {
        if (event.bytes <= 0)
            continue;
        if (event.phase == Phase::Setup) {
            if (event.layerId >= 0)
                totals.setup[event.category] += event.bytes;
            else
                totals.setupWithoutLayer += event.bytes;
            continue;
        }
        totals.perIteration[event.category] += event.bytes;
        const QString layer = event.layerId >= 0 ? run.trace.layers[event.layerId].path : QStringLiteral("-");
        totals.byLayer[layer][event.category] += event.bytes;
        if (event.timeNs < secondIterationStart)
            totals.sizes[event.category] << event.bytes;
    }
    for (auto& [category, bytes] : totals.perIteration)
        bytes /= iterations;
    for (auto& [layer, categories] : totals.byLayer)
        for (auto& [category, bytes] : categories)
            bytes /= iterations;
    for (auto& [category, sizes] : totals.sizes)
        std::sort(sizes.begin(), sizes.end());
    return totals;
}
}

class TestAccounting : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        torch::manual_seed(1);
        m_model = saveMlp(m_dir.path());
        m_store = std::make_unique<Store>(m_dir.filePath(QStringLiteral("runs.sqlite")));
    }

    void parametersCountedFromTheModule()
    {
        const StoredRun run = profile(RunMode::Inference, OptimizerKind::Sgd, 1);
        QCOMPARE(run.model.paramBytes, paramBytes);
        QCOMPARE(run.model.paramCount, paramBytes / 4);
        const Totals totals = totalsOf(run);
        QCOMPARE(totals.setup.at(Category::Parameter), paramBytes);
        // Plus a few KiB the loaded model keeps outside its tensors (serialized records), owned by no layer.
        QCOMPARE(run.metrics.categoriesAtPeak[int(Category::Parameter)], paramBytes + totals.setupWithoutLayer);
        QVERIFY(totals.setupWithoutLayer < 16 * 1024);
        for (const Layer& layer : run.trace.layers)
            if (layer.path == QLatin1String("fc1"))
                QCOMPARE(layer.paramBytes, fc1Bytes);
    }

    void trainingWithSgdIsExact()
    {
        const StoredRun run = profile(RunMode::Train, OptimizerKind::Sgd, 1);
        const Totals totals = totalsOf(run);
        QCOMPARE(totals.setup.at(Category::Parameter), paramBytes);
        QCOMPARE(totals.setup.at(Category::OptimizerState), paramBytes); // one momentum buffer per parameter
        QCOMPARE(totals.perIteration.at(Category::Gradient), paramBytes);
        QCOMPARE(totals.byLayer.at(QStringLiteral("fc1")).at(Category::Gradient), fc1Bytes);
        QCOMPARE(totals.byLayer.at(QStringLiteral("fc2")).at(Category::Gradient), fc2Bytes);
        QCOMPARE(totals.byLayer.at(QStringLiteral("fc3")).at(Category::Gradient), fc3Bytes);
        // Kept for backward: the two ReLU outputs (ReLU saves its result; the next Linear saves its input,
        // the same tensor). The Linear outputs before each ReLU are not needed and are freed.
        QCOMPARE(totals.sizes.at(Category::Activation), QList<qint64>({ batch * 64 * 4, batch * 128 * 4 }));
        QCOMPARE(totals.byLayer.at(QStringLiteral("act1")).at(Category::Activation), batch * 128 * 4);
        QCOMPARE(totals.byLayer.at(QStringLiteral("act2")).at(Category::Activation), batch * 64 * 4);
        QCOMPARE(totals.perIteration.at(Category::Input), batch * 64 * 4);
        QCOMPARE(totals.perIteration.at(Category::Output), batch * 10 * 4 + 4); // logits and the loss value
        QCOMPARE(totals.perIteration.count(Category::OptimizerState), size_t(0)); // made in warm-up
        QCOMPARE(run.metrics.attributedFraction, 1.0);
    }

    void adamKeepsTwoCopiesOfTheParameters()
    {
        const StoredRun warm = profile(RunMode::Train, OptimizerKind::Adam, 1);
        QCOMPARE(totalsOf(warm).setup.at(Category::OptimizerState), 2 * paramBytes);
        QCOMPARE(warm.metrics.categoriesAtPeak[int(Category::OptimizerState)], 2 * paramBytes);

        // Without warm-up Adam makes its state in the first measured step.
        const StoredRun cold = profile(RunMode::Train, OptimizerKind::Adam, 0);
        const Totals totals = totalsOf(cold);
        QCOMPARE(totals.setup.count(Category::OptimizerState), size_t(0));
        QCOMPARE(totals.perIteration.at(Category::OptimizerState) * cold.summary.config.iterations, 2 * paramBytes);
        QCOMPARE(totals.byLayer.at(QStringLiteral("fc1")).at(Category::OptimizerState) * cold.summary.config.iterations,
            2 * fc1Bytes);
    }

    void inferenceKeepsLayerOutputsAsActivations()
    {
        const StoredRun run = profile(RunMode::Inference, OptimizerKind::Sgd, 1);
        const Totals totals = totalsOf(run);
        QCOMPARE(totals.perIteration.count(Category::Gradient), size_t(0));
        // Each op's output outlives the op: fc1, act1 (128 wide), fc2, act2 (64 wide); fc3's is the output.
        QCOMPARE(totals.sizes.at(Category::Activation),
            QList<qint64>({ batch * 64 * 4, batch * 64 * 4, batch * 128 * 4, batch * 128 * 4 }));
        QCOMPARE(totals.perIteration.at(Category::Output), batch * 10 * 4);
        QCOMPARE(run.metrics.peakBytes,
            paramBytes + totals.setupWithoutLayer + batch * 64 * 4 + batch * 128 * 4 * 2);
    }

    void memoryLimitStopsTheRunAtTheFirstAllocationOverIt()
    {
        RunConfig config = configFor(RunMode::Train, OptimizerKind::Sgd, 0);
        const qint64 heldOutsideTensors = totalsOf(profile(RunMode::Inference, OptimizerKind::Sgd, 0)).setupWithoutLayer;
        // Parameters, input and the first layer's output fit; the ReLU output does not.
        config.memoryLimitBytes = paramBytes + heldOutsideTensors + batch * 64 * 4 + batch * 128 * 4 + 100;
        const ProfileOutcome outcome = profileModel(config, *m_store);
        QCOMPARE(outcome.exitCode, ExitOutOfMemory);
        const StoredRun run = *m_store->load(outcome.runId, true);
        QCOMPARE(run.summary.status, RunStatus::OutOfMemory);
        QVERIFY(run.metrics.hasOutOfMemory);
        const OutOfMemoryMoment& oom = run.metrics.outOfMemory;
        QCOMPARE(oom.limitBytes, config.memoryLimitBytes);
        QVERIFY(oom.liveBytes + oom.requestedBytes > oom.limitBytes);
        QVERIFY(oom.liveBytes <= oom.limitBytes);
        QCOMPARE(oom.phase, Phase::Forward);
        QCOMPARE(oom.layer, QStringLiteral("act1"));
        QCOMPARE(oom.liveByCategory[int(Category::Parameter)], paramBytes + heldOutsideTensors);
        QCOMPARE(oom.liveByCategory[int(Category::Input)], batch * 64 * 4);
        QCOMPARE(oom.liveBytes, paramBytes + heldOutsideTensors + batch * 64 * 4 + batch * 128 * 4);
        QCOMPARE(oom.requestedBytes, batch * 128 * 4);
        QVERIFY(run.summary.error.contains(QStringLiteral("memory-limit")));
    }

private:
    RunConfig configFor(RunMode mode, OptimizerKind optimizer, int warmup) const
    {
        RunConfig config;
        config.modelPath = m_model;
        config.inputs = { QStringLiteral("8x64") };
        config.mode = mode;
        config.optimizer = optimizer;
        config.warmup = warmup;
        config.iterations = 2;
        return config;
    }

    StoredRun profile(RunMode mode, OptimizerKind optimizer, int warmup)
    {
        const ProfileOutcome outcome = profileModel(configFor(mode, optimizer, warmup), *m_store);
        if (outcome.exitCode != ExitOk)
            qFatal("profile failed: %s", qPrintable(outcome.message));
        return *m_store->load(outcome.runId, true);
    }

    QTemporaryDir m_dir;
    QString m_model;
    std::unique_ptr<Store> m_store;
};

QTEST_GUILESS_MAIN(TestAccounting)
#include "tst_accounting.moc"
