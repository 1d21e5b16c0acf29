#include "AllocationRecorder.h"

#include "ModuleHierarchy.h"

#include <ATen/record_function.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/runtime/interpreter.h>

#include <cstring>

namespace memoscope {

namespace {
    // The allocator LibTorch used before ours, and its deleter: every allocation is still made and freed by it.
    c10::Allocator* g_base = nullptr;
    c10::DeleterFnPtr g_baseDeleter = nullptr;

    void freeThroughRecorder(void* ptr)
    {
        AllocationRecorder::instance().onFree(ptr);
        g_baseDeleter(ptr);
    }

    class RecordingAllocator final : public c10::Allocator {
    public:
        c10::DataPtr allocate(size_t bytes) const override
        {
            AllocationRecorder& recorder = AllocationRecorder::instance();
            if (bytes > 0)
                recorder.checkLimit(bytes); // throws before anything is allocated
            c10::DataPtr base = g_base->allocate(bytes);
            void* data = base.get();
            if (!data)
                return base;
            // The default CPU allocator's context is the data pointer itself; we take over its deletion.
            void* context = base.release_context();
            recorder.onAllocate(data, bytes);
            return c10::DataPtr(data, context, &freeThroughRecorder, base.device());
        }
        c10::DeleterFnPtr raw_deleter() const override { return &freeThroughRecorder; }
    };
    RecordingAllocator g_allocator;

    struct DepthContext final : at::ObserverContext {
        size_t depth = 0;
    };

    std::unique_ptr<at::ObserverContext> onFunctionStart(const at::RecordFunction& fn)
    {
        auto context = std::make_unique<DepthContext>();
        AllocationRecorder::instance().onOpStart(
            fn.name(), fn.scope() == at::RecordScope::BACKWARD_FUNCTION, fn.seqNr(), &context->depth);
        return context;
    }

    void onFunctionEnd(const at::RecordFunction&, at::ObserverContext* context)
    {
        if (context)
            AllocationRecorder::instance().onOpEnd(static_cast<DepthContext*>(context)->depth);
    }

    // The autograd engine wraps each node in "autograd::engine::evaluate_function: <Node>"; people know the node.
    // A C++ autograd Function's node is named after its template, "torch::autograd::CppNode<ns::(anonymous
    // namespace)::CheckpointFunction>": the Function's own name, as Python names "CheckpointFunctionBackward".
    std::string displayName(const char* name)
    {
        static const char prefix[] = "autograd::engine::evaluate_function: ";
        std::string display = std::strncmp(name, prefix, sizeof(prefix) - 1) == 0 ? name + sizeof(prefix) - 1 : name;
        static const std::string cppNode = "torch::autograd::CppNode<";
        if (display.compare(0, cppNode.size(), cppNode) == 0 && display.back() == '>') {
            display = display.substr(cppNode.size(), display.size() - cppNode.size() - 1);
            display
                = display.substr(display.rfind("::") == std::string::npos ? 0 : display.rfind("::") + 2) + "Backward";
        }
        return display;
    }
}

AllocationRecorder& AllocationRecorder::instance()
{
    // Never destroyed: tensors freed during process exit still call into it.
    static AllocationRecorder* recorder = new AllocationRecorder;
    return *recorder;
}

void AllocationRecorder::install()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_installed)
        return;
    g_base = c10::GetCPUAllocator();
    g_baseDeleter = g_base->raw_deleter();
    TORCH_CHECK(g_baseDeleter, "LibTorch's CPU allocator has no raw deleter; Memoscope cannot wrap it");
    c10::SetCPUAllocator(&g_allocator, /*priority=*/100);
    m_installed = true;
}

qint64 AllocationRecorder::liveBytes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_live;
}

void AllocationRecorder::setMemoryLimit(qint64 bytes)
{
    m_limit = bytes;
    m_outOfMemory = false;
}

qint64 AllocationRecorder::nowNs() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - m_start).count();
}

std::vector<AllocationRecorder::Frame>& AllocationRecorder::threadFrames()
{
    thread_local std::vector<Frame> frames;
    return frames;
}

void AllocationRecorder::checkLimit(size_t bytes)
{
    const qint64 limit = m_limit.load();
    if (limit <= 0)
        return;
    std::unique_lock<std::mutex> lock(m_mutex);
    // While recording, the limit applies to the bytes the run reports (what existed at the start plus what the
    // iterations allocated), so that the limit and peak_bytes agree; before, to all live tensor memory.
    const qint64 live = m_recording ? m_recordedLive : m_live;
    if (live + qint64(bytes) <= limit)
        return;
    if (!m_outOfMemory.exchange(true)) {
        m_oomMoment = OutOfMemoryMoment {};
        m_oomMoment.requestedBytes = qint64(bytes);
        m_oomMoment.liveBytes = live;
        m_oomMoment.limitBytes = limit;
        m_oomMoment.phase = m_phase;
        const std::vector<Frame>& frames = threadFrames();
        const qint32 op = frames.empty() ? m_mainOpId : frames.back().opId;
        const qint32 layer = frames.empty() ? m_mainLayerId : frames.back().layerId;
        m_oomMoment.op = op >= 0 ? m_ops.value(op) : QString();
        if (m_layers && layer >= 0)
            m_oomMoment.layer = m_layers->layers()[layer].displayPath();
        m_oomLiveAllocations.clear();
        for (size_t id = 0; id < m_allocations.size(); ++id)
            if (m_allocations[id].live)
                m_oomLiveAllocations.push_back(qint32(id));
    }
    lock.unlock();
    TORCH_CHECK(false, "Memoscope memory limit: allocating ", bytes, " bytes would exceed the limit of ", limit,
        " bytes");
}

void AllocationRecorder::onAllocate(void* ptr, size_t bytes)
{
    const bool recording = m_recording.load(std::memory_order_relaxed);
    const std::vector<Frame>& frames = threadFrames();
    std::lock_guard<std::mutex> lock(m_mutex);
    m_live += qint64(bytes);
    LiveBlock& block = m_liveBlocks[ptr];
    block.bytes = qint64(bytes);
    block.allocationId = -1;
    if (!recording)
        return;
    Allocation allocation;
    allocation.ptr = ptr;
    allocation.bytes = qint64(bytes);
    allocation.opId = frames.empty() ? m_mainOpId : frames.back().opId;
    allocation.layerId = frames.empty() ? m_mainLayerId : frames.back().layerId;
    allocation.phase = m_phase;
    allocation.iteration = m_iteration;
    allocation.category = m_phase == Phase::Input ? Category::Input : Category::Temporary;
    block.allocationId = qint32(m_allocations.size());
    m_allocations.push_back(allocation);
    m_recordedLive += allocation.bytes;
    m_events.push_back(Event { nowNs(), allocation.bytes, block.allocationId, allocation.opId, allocation.layerId,
        allocation.phase, allocation.category });
}

void AllocationRecorder::onFree(void* ptr)
{
    const bool recording = m_recording.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = m_liveBlocks.find(ptr);
    if (it == m_liveBlocks.end())
        return;
    const LiveBlock block = it->second;
    m_liveBlocks.erase(it);
    m_live -= block.bytes;
    if (!recording)
        return;
    if (block.allocationId < 0) {
        ++m_unmatchedFrees;
        return;
    }
    Allocation& allocation = m_allocations[size_t(block.allocationId)];
    allocation.live = false;
    m_recordedLive -= allocation.bytes;
    // Owner attributes are copied from the allocation when the trace is finished.
    m_events.push_back(Event { nowNs(), -block.bytes, block.allocationId, -1, -1, Phase::Setup, Category::Temporary });
}

qint32 AllocationRecorder::internOp(const char* name)
{
    const std::string key = displayName(name);
    const auto it = m_opIds.find(key);
    if (it != m_opIds.end())
        return it->second;
    const qint32 id = qint32(m_ops.size());
    m_ops << QString::fromStdString(key);
    m_opIds.emplace(key, id);
    return id;
}

qint32 AllocationRecorder::currentLayerFromInterpreter()
{
    const std::vector<std::string> entries = torch::jit::currentModuleHierarchy();
    if (entries.empty())
        return -1;
    std::string key;
    for (const std::string& entry : entries) {
        key += entry;
        key += '|';
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto cached = m_layerByHierarchy.find(key);
    if (cached != m_layerByHierarchy.end())
        return cached->second;
    const ModuleFrame frame = moduleFromHierarchy(entries);
    const qint32 layer = m_layers->findOrAdd(frame.path, frame.type);
    m_layerByHierarchy.emplace(key, layer);
    return layer;
}

void AllocationRecorder::onOpStart(const char* name, bool backwardFunction, int64_t sequenceNr, size_t* depth)
{
    if (!m_recording.load(std::memory_order_relaxed))
        return;
    std::vector<Frame>& frames = threadFrames();
    *depth = frames.size();
    Frame frame;
    const Phase phase = m_phase; // written only by the thread running the step, between ops
    if (frames.empty()) {
        // In backward, work outside any autograd node is the engine seeding the loss's gradient.
        if (phase == Phase::Loss || phase == Phase::Backward)
            frame.layerId = m_lossLayerId;
        else if (phase == Phase::Forward)
            frame.layerId = currentLayerFromInterpreter();
        std::lock_guard<std::mutex> lock(m_mutex);
        frame.opId = internOp(name);
        frame.startNs = nowNs();
        frame.firstAllocationId = qint32(m_allocations.size());
    } else {
        frame = frames.back();
    }

    if (sequenceNr >= 0 && (backwardFunction || phase == Phase::Forward || phase == Phase::Loss)) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (backwardFunction && frames.size() > 1) {
            // A node evaluated inside another node's backward: a checkpointed segment back-propagating through
            // its recompute. Its nodes were made by that recompute, not by forward, so the work stays with the
            // outer node's layer (the segment) that this frame inherited.
        } else if (backwardFunction) {
            // A backward node: work done for it belongs to the forward layer that created it. The engine's
            // wrapper frame (the parent) takes the node's name and layer too, as allocations follow this frame.
            const auto it = m_layerBySequenceNr.find(sequenceNr);
            frame.layerId = it != m_layerBySequenceNr.end() ? it->second : -1;
            if (!frames.empty()) {
                frames.front().layerId = frame.layerId;
                frames.front().opId = internOp(name);
                frame.opId = frames.front().opId;
            }
        } else if (frame.layerId >= 0) {
            m_layerBySequenceNr[sequenceNr] = frame.layerId;
        }
    }
    if (std::this_thread::get_id() == m_mainThread) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_mainOpId = frame.opId;
        m_mainLayerId = frame.layerId;
    }
    frames.push_back(frame);
}

void AllocationRecorder::onOpEnd(size_t depth)
{
    std::vector<Frame>& frames = threadFrames();
    if (depth >= frames.size())
        return; // started before recording began
    const Frame top = frames.front();
    frames.resize(depth);
    if (depth > 0 || !m_recording.load(std::memory_order_relaxed))
        return;
    std::lock_guard<std::mutex> lock(m_mutex);
    const qint64 end = nowNs();
    m_opSpans.push_back(OpSpan { top.opId, top.layerId, m_phase, top.startNs, end });
    if (top.layerId >= 0) {
        const size_t layer = size_t(top.layerId);
        if (m_forwardNs.size() <= layer) {
            m_forwardNs.resize(layer + 1, 0);
            m_backwardNs.resize(layer + 1, 0);
        }
        if (m_phase == Phase::Forward || m_phase == Phase::Loss)
            m_forwardNs[layer] += end - top.startNs;
        else if (m_phase == Phase::Backward)
            m_backwardNs[layer] += end - top.startNs;
    }
    // What this op made and did not free is its output: an activation, in inference.
    for (size_t id = size_t(top.firstAllocationId); id < m_allocations.size(); ++id)
        if (m_allocations[id].live)
            m_allocations[id].outlivedOp = true;
    if (std::this_thread::get_id() == m_mainThread) {
        m_mainOpId = -1;
        m_mainLayerId = -1;
    }
}

void AllocationRecorder::begin(LayerTable* layers, qint32 lossLayerId)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_start = std::chrono::steady_clock::now();
        m_layers = layers;
        m_lossLayerId = lossLayerId;
        m_phase = Phase::Setup;
        m_iteration = 0;
        m_iterationFirstAllocation = 0;
        m_allocations.clear();
        // A block a discarded recording (the warm-up) made and that is still alive belongs to no allocation of
        // this recording: it is one of the blocks alive before it, which addRemainingLiveBlocks counts.
        for (auto& [ptr, block] : m_liveBlocks)
            block.allocationId = -1;
        m_events.clear();
        m_ops.clear();
        m_opIds.clear();
        m_layerByHierarchy.clear();
        m_layerBySequenceNr.clear();
        m_phaseSpans.clear();
        m_opSpans.clear();
        m_forwardNs.clear();
        m_backwardNs.clear();
        m_unmatchedFrees = 0;
        m_recordedLive = 0;
        m_mainThread = std::this_thread::get_id();
        m_mainOpId = -1;
        m_mainLayerId = -1;
        m_oomMoment = OutOfMemoryMoment {};
        m_oomLiveAllocations.clear();
    }
    threadFrames().clear();
    m_callback = at::addGlobalCallback(at::RecordFunctionCallback(&onFunctionStart, &onFunctionEnd)
                                           .needsInputs(false)
                                           .needsOutputs(false)
                                           .scopes({ at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION }));
    m_recording = true;
}

void AllocationRecorder::addSetupTensor(void* storage, qint64 bytes, Category category, qint32 layerId)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    Allocation allocation;
    allocation.ptr = storage;
    allocation.bytes = bytes;
    allocation.layerId = layerId;
    allocation.phase = Phase::Setup;
    allocation.category = category;
    allocation.classified = true;
    allocation.iteration = -1;
    const qint32 id = qint32(m_allocations.size());
    m_allocations.push_back(allocation);
    m_recordedLive += bytes;
    const auto block = m_liveBlocks.find(storage);
    if (block != m_liveBlocks.end())
        block->second.allocationId = id;
    m_events.push_back(Event { 0, bytes, id, -1, layerId, Phase::Setup, category });
    m_iterationFirstAllocation = qint32(m_allocations.size());
}

void AllocationRecorder::addRemainingLiveBlocks(Category category, qint32 layerId)
{
    std::vector<std::pair<void*, qint64>> remaining;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        for (const auto& [ptr, block] : m_liveBlocks)
            if (block.allocationId < 0)
                remaining.emplace_back(ptr, block.bytes);
    }
    for (const auto& [ptr, bytes] : remaining)
        addSetupTensor(ptr, bytes, category, layerId);
}

void AllocationRecorder::closePhaseSpan(qint64 endNs)
{
    if (!m_phaseSpans.isEmpty() && m_phaseSpans.back().endNs < 0)
        m_phaseSpans.back().endNs = endNs;
}

void AllocationRecorder::setPhase(Phase phase, qint32 iteration)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const qint64 now = nowNs();
    closePhaseSpan(now);
    m_phase = phase;
    m_iteration = iteration;
    m_phaseSpans.append(PhaseSpan { phase, iteration, now, -1 });
}

void AllocationRecorder::classifyLive(const std::vector<std::pair<void*, qint32>>& storages, Category category)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const auto& [ptr, layer] : storages) {
        const auto block = m_liveBlocks.find(ptr);
        if (block == m_liveBlocks.end() || block->second.allocationId < m_iterationFirstAllocation)
            continue;
        Allocation& allocation = m_allocations[size_t(block->second.allocationId)];
        if (allocation.classified)
            continue;
        allocation.category = category;
        allocation.classified = true;
        if (layer >= 0)
            allocation.layerId = layer;
    }
}

void AllocationRecorder::markKeptForBackward()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    for (size_t id = size_t(m_iterationFirstAllocation); id < m_allocations.size(); ++id) {
        Allocation& allocation = m_allocations[id];
        if (allocation.live && (allocation.phase == Phase::Forward || allocation.phase == Phase::Loss))
            allocation.keptForBackward = true;
    }
}

void AllocationRecorder::endIteration(bool training)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    closePhaseSpan(nowNs());
    for (size_t id = size_t(m_iterationFirstAllocation); id < m_allocations.size(); ++id) {
        Allocation& allocation = m_allocations[id];
        if (allocation.classified)
            continue;
        switch (allocation.phase) {
        case Phase::Input:
            allocation.category = Category::Input;
            break;
        case Phase::Forward:
        case Phase::Loss:
            allocation.category = (training ? allocation.keptForBackward : allocation.outlivedOp)
                ? Category::Activation
                : Category::Temporary;
            break;
        default:
            allocation.category = Category::Temporary;
            break;
        }
    }
    m_iterationFirstAllocation = qint32(m_allocations.size());
    m_layerBySequenceNr.clear();
}

OutOfMemoryMoment AllocationRecorder::outOfMemoryMoment() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    OutOfMemoryMoment moment = m_oomMoment;
    for (qint32 id : m_oomLiveAllocations)
        moment.liveByCategory[int(m_allocations[size_t(id)].category)] += m_allocations[size_t(id)].bytes;
    return moment;
}

RunTrace AllocationRecorder::finish()
{
    if (m_recording.exchange(false))
        at::removeCallback(m_callback);
    std::lock_guard<std::mutex> lock(m_mutex);
    closePhaseSpan(nowNs());
    RunTrace trace;
    for (Event& event : m_events) {
        const Allocation& owner = m_allocations[size_t(event.allocationId)];
        event.opId = owner.opId;
        event.layerId = owner.layerId;
        event.phase = owner.phase;
        event.category = owner.category;
    }
    trace.events = std::move(m_events);
    m_events.clear();
    trace.ops = m_ops;
    trace.phases = m_phaseSpans;
    trace.opSpans = std::move(m_opSpans);
    m_opSpans.clear();
    QVector<Layer>& layers = m_layers->layers();
    for (size_t id = 0; id < m_forwardNs.size() && id < size_t(layers.size()); ++id) {
        layers[int(id)].forwardNs += m_forwardNs[id];
        layers[int(id)].backwardNs += m_backwardNs[id];
    }
    trace.layers = layers;
    m_layers = nullptr;
    return trace;
}

void AllocationRecorder::discard()
{
    if (m_recording.exchange(false))
        at::removeCallback(m_callback);
    std::lock_guard<std::mutex> lock(m_mutex);
    m_events.clear();
    m_opSpans.clear();
    m_phaseSpans.clear();
    m_forwardNs.clear();
    m_backwardNs.clear();
    m_layers = nullptr;
}

qint64 AllocationRecorder::unmatchedFrees() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_unmatchedFrees;
}

} // namespace memoscope
