#include "AllocationRecorder.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

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

void AllocationRecorder::begin(
    LayerTable* layers, qint32 lossLayerId, std::unordered_map<const void*, qint32> moduleObjects)
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
        m_opIdsByAddress.clear();
        m_layerByHierarchy.clear();
        m_moduleObjects = std::move(moduleObjects);
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
    addOpCallbacks();
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
    // The next iteration makes about as many again: growing the vectors while it runs would copy them inside
    // the measured step.
    const size_t allocations = m_allocations.size() - size_t(m_iterationFirstAllocation);
    m_allocations.reserve(m_allocations.size() + allocations + allocations / 8);
    m_events.reserve(m_events.size() + 2 * allocations + allocations / 4);
    m_opSpans.reserve(m_opSpans.size() * 2);
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
        removeOpCallbacks();
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
        removeOpCallbacks();
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
