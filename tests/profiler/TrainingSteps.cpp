// The training step the checkpointing tests compare: see TrainingSteps.h.

#include "TrainingSteps.h"

#include "support/TestSupport.h"

#include <ATen/autocast_mode.h>
#include <c10/core/CPUAllocator.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <mutex>

namespace memoscope::test {

namespace {
    // Live CPU tensor bytes, counted by a wrapper around LibTorch's allocator (installed before any model loads).
    std::atomic<int64_t> g_liveBytes { 0 };
    c10::Allocator* g_baseAllocator = nullptr;
    c10::DeleterFnPtr g_baseDeleter = nullptr;
    std::mutex g_sizesMutex;
    std::map<void*, size_t> g_sizes;

    void countedFree(void* data)
    {
        {
            std::lock_guard<std::mutex> lock(g_sizesMutex);
            const auto found = g_sizes.find(data);
            if (found != g_sizes.end()) {
                g_liveBytes -= int64_t(found->second);
                g_sizes.erase(found);
            }
        }
        g_baseDeleter(data);
    }

    class CountingAllocator final : public c10::Allocator {
    public:
        c10::DataPtr allocate(size_t bytes) const override
        {
            c10::DataPtr base = g_baseAllocator->allocate(bytes);
            void* data = base.get();
            if (!data)
                return base;
            // The default CPU allocator's context is the data pointer: we take over its deletion.
            void* context = base.release_context();
            {
                std::lock_guard<std::mutex> lock(g_sizesMutex);
                g_sizes[data] = bytes;
            }
            g_liveBytes += int64_t(bytes);
            return c10::DataPtr(data, context, &countedFree, base.device());
        }
        c10::DeleterFnPtr raw_deleter() const override { return &countedFree; }
    };
    CountingAllocator g_countingAllocator;

}

bool setUpTrainingSteps()
{
    g_baseAllocator = c10::GetCPUAllocator();
    g_baseDeleter = g_baseAllocator->raw_deleter();
    if (!g_baseDeleter)
        return false;
    c10::SetCPUAllocator(&g_countingAllocator, /*priority=*/100);
    // As the profiler runs models: op by op (see Profiler.cpp).
    torch::jit::setGraphExecutorOptimize(false);
    at::set_num_threads(2);
    return true;
}

torch::jit::Module load(const QString& fixtureName)
{
    torch::jit::Module module = torch::jit::load(fixture(fixtureName).toStdString());
    module.train();
    return module;
}

// One training step as StepRunner runs it (forward, loss, backward), with the RNG seeded first. The loss is the
// mean square of the first output, so that every output element gets a different gradient.
// Forward under bf16 autocast as StepRunner runs it with --amp bf16 (the region ends before backward).
c10::IValue forwardInBf16(torch::jit::Module& model, const std::vector<c10::IValue>& inputs)
{
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::increment_nesting();
    c10::IValue output = model.forward(inputs);
    if (at::autocast::decrement_nesting() == 0)
        at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(false);
    return output;
}

Step trainStep(torch::jit::Module& model, const std::vector<c10::IValue>& inputs, uint64_t seed, bool bf16)
{
    Step step;
    torch::manual_seed(seed);
    const auto start = std::chrono::steady_clock::now();
    const int64_t before = g_liveBytes;
    {
        const c10::IValue output = bf16 ? forwardInBf16(model, inputs) : model.forward(inputs);
        const at::Tensor first = output.isTuple() ? output.toTupleRef().elements()[0].toTensor() : output.toTensor();
        const at::Tensor loss = first.to(at::kFloat).pow(2).mean();
        step.keptBytes = g_liveBytes - before;
        loss.backward();
    }
    step.nextRandom = torch::rand({ 4 });
    step.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& parameter : model.named_parameters())
        if (parameter.value.grad().defined())
            step.gradients[parameter.name] = parameter.value.grad().clone();
    for (const auto& buffer : model.named_buffers())
        step.buffers[buffer.name] = buffer.value.clone();
    return step;
}

double maxDifference(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b)
{
    if (a.size() != b.size())
        return std::numeric_limits<double>::infinity();
    double largest = 0;
    for (const auto& [name, tensor] : a) {
        const auto other = b.find(name);
        if (other == b.end() || other->second.sizes() != tensor.sizes())
            return std::numeric_limits<double>::infinity();
        largest
            = std::max(largest, (tensor.to(at::kDouble) - other->second.to(at::kDouble)).abs().max().item<double>());
    }
    return largest;
}

std::vector<c10::IValue> images(int64_t batch, int64_t side)
{
    torch::manual_seed(7);
    return { torch::randn({ batch, 3, side, side }) };
}

} // namespace memoscope::test
