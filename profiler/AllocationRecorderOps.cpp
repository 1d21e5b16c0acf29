// The recorder's RecordFunction side: which op is running, in which layer, and which forward layer a backward
// node belongs to. These callbacks run at every op of a recorded step, so their cost per op is the tracing
// overhead of models made of many small ops (see tests/bench/bench_overhead and profiler/README.md).

#include "AllocationRecorder.h"

#include "ModuleHierarchy.h"

#include <ATen/record_function.h>
#include <torch/csrc/jit/runtime/interpreter.h>

#include <cstring>

namespace memoscope {

namespace {
    // Where the RecordFunction stack stood when an op started, so that its end pops back to it. Contexts are
    // made and freed once per op: they come from a free list of their own instead of the heap.
    struct DepthContext final : at::ObserverContext {
        size_t depth = 0;

        static void* operator new(size_t bytes)
        {
            std::vector<void*>& pool = freeList();
            if (pool.empty())
                return ::operator new(bytes);
            void* block = pool.back();
            pool.pop_back();
            return block;
        }
        static void operator delete(void* block) { freeList().push_back(block); }

    private:
        static std::vector<void*>& freeList()
        {
            thread_local std::vector<void*> blocks;
            return blocks;
        }
    };

    // The layers of the TorchScript calls running on this thread, innermost last: a call whose `self` is a module
    // of the model runs in that module's layer; any other (a function, a module made on the fly) in its caller's.
    thread_local std::vector<qint32> t_callLayers;

    std::unique_ptr<at::ObserverContext> onCallStart(const at::RecordFunction& fn)
    {
        const c10::ArrayRef<const c10::IValue> inputs = fn.inputs();
        qint32 layer = -1;
        if (!inputs.empty() && inputs[0].isObject())
            layer = AllocationRecorder::instance().layerOfModuleObject(&inputs[0].toObjectRef());
        if (layer < 0 && !t_callLayers.empty())
            layer = t_callLayers.back();
        t_callLayers.push_back(layer);
        return nullptr;
    }

    void onCallEnd(const at::RecordFunction&, at::ObserverContext*)
    {
        if (!t_callLayers.empty())
            t_callLayers.pop_back();
    }

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

void AllocationRecorder::addOpCallbacks()
{
    m_opCallback
        = at::addGlobalCallback(at::RecordFunctionCallback(&onFunctionStart, &onFunctionEnd)
                                    .needsInputs(false)
                                    .needsOutputs(false)
                                    .scopes({ at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION }));
    t_callLayers.clear(); // recording begins between steps, outside any call
    // The interpreter hands a call's inputs over as a view of its stack: reading `self` copies nothing.
    m_callCallback = followsCalls() ? at::addGlobalCallback(at::RecordFunctionCallback(&onCallStart, &onCallEnd)
                                                                .needsInputs(true)
                                                                .needsOutputs(false)
                                                                .scopes({ at::RecordScope::TORCHSCRIPT_FUNCTION }))
                                    : 0;
}

void AllocationRecorder::removeOpCallbacks()
{
    at::removeCallback(m_opCallback);
    if (m_callCallback)
        at::removeCallback(m_callCallback);
    m_callCallback = 0;
}

qint32 AllocationRecorder::internOp(const char* name)
{
    const auto known = m_opIdsByAddress.find(name);
    if (known != m_opIdsByAddress.end() && known->second.first == name)
        return known->second.second;
    const std::string key = displayName(name);
    auto it = m_opIds.find(key);
    if (it == m_opIds.end()) {
        it = m_opIds.emplace(key, qint32(m_ops.size())).first;
        m_ops << QString::fromStdString(key);
    }
    m_opIdsByAddress[name] = { std::string(name), it->second };
    return it->second;
}

qint32 AllocationRecorder::layerOfModuleObject(const void* object) const
{
    const auto it = m_moduleObjects.find(object);
    return it != m_moduleObjects.end() ? it->second : -1;
}

// Without inlined calls, the layer of the innermost call. Otherwise the interpreter's module path, which LibTorch
// formats anew at every call (about 25,000 instructions per op on regnet_y_400mf).
qint32 AllocationRecorder::layerOfRunningModule()
{
    if (followsCalls() && !t_callLayers.empty())
        return t_callLayers.back();
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
    m_layerByHierarchy.emplace(std::move(key), layer);
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
    const bool topLevel = frames.empty();
    if (topLevel) {
        // In backward, work outside any autograd node is the engine seeding the loss's gradient.
        if (phase == Phase::Loss || phase == Phase::Backward)
            frame.layerId = m_lossLayerId;
        else if (phase == Phase::Forward)
            frame.layerId = layerOfRunningModule();
    } else {
        frame = frames.back();
    }

    std::lock_guard<std::mutex> lock(m_mutex);
    if (topLevel) {
        frame.opId = internOp(name);
        frame.startNs = nowNs();
        frame.firstAllocationId = qint32(m_allocations.size());
    }
    if (sequenceNr >= 0 && (backwardFunction || phase == Phase::Forward || phase == Phase::Loss)) {
        if (backwardFunction && frames.size() > 1) {
            // A node evaluated inside another node's backward: a checkpointed segment back-propagating through
            // its recompute. Its nodes were made by that recompute, not by forward, so the work stays with the
            // outer node's layer (the segment) that this frame inherited.
        } else if (backwardFunction) {
            // A backward node: work done for it belongs to the forward layer that created it. The engine's
            // wrapper frame (the parent) takes the node's name and layer too, as allocations follow this frame.
            frame.layerId = m_layerBySequenceNr.find(sequenceNr);
            if (!frames.empty()) {
                frames.front().layerId = frame.layerId;
                frames.front().opId = internOp(name);
                frame.opId = frames.front().opId;
            }
        } else if (frame.layerId >= 0) {
            m_layerBySequenceNr.set(sequenceNr, frame.layerId);
        }
    }
    if (std::this_thread::get_id() == m_mainThread) {
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

void AllocationRecorder::LayersBySequence::set(int64_t sequenceNr, qint32 layer)
{
    const int64_t nearLimit = int64_t(1) << 22; // 16 MB of numbers; a gap that large goes to the map
    if (m_first < 0)
        m_first = sequenceNr;
    const int64_t offset = sequenceNr - m_first;
    if (offset < 0 || offset >= nearLimit) {
        m_far[sequenceNr] = layer;
        return;
    }
    if (size_t(offset) >= m_near.size())
        m_near.resize(size_t(offset) + 1, -1);
    m_near[size_t(offset)] = layer;
}

qint32 AllocationRecorder::LayersBySequence::find(int64_t sequenceNr) const
{
    const int64_t offset = sequenceNr - m_first;
    if (m_first >= 0 && offset >= 0 && size_t(offset) < m_near.size() && m_near[size_t(offset)] >= 0)
        return m_near[size_t(offset)];
    const auto it = m_far.find(sequenceNr);
    return it != m_far.end() ? it->second : -1;
}

void AllocationRecorder::LayersBySequence::clear()
{
    m_first = -1;
    m_near.clear();
    m_far.clear();
}

} // namespace memoscope
