#pragma once
// Sees every CPU tensor allocation and free in the process, and knows which op, layer and phase was running
// when it happened. Two LibTorch hooks feed it: a wrapper around the CPU allocator (all threads, and the only
// place that can refuse an allocation for --memory-limit) and RecordFunction callbacks (the running op, its
// module path from the TorchScript interpreter, and autograd sequence numbers that tie a backward node to
// the forward layer that created it).
//
// The allocator is process-global in LibTorch, so the recorder is too: one per process, installed once.

#include "LayerTable.h"
#include "core/Run.h"
#include "core/RunTrace.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace memoscope {

class AllocationRecorder {
public:
    static AllocationRecorder& instance();

    // Wraps LibTorch's CPU allocator; from then on live tensor bytes are counted. Call before loading a model.
    void install();
    bool installed() const { return m_installed; }
    qint64 liveBytes() const;

    // 0: no limit. While recording, counted against the live bytes the run reports (parameters included).
    void setMemoryLimit(qint64 bytes);
    bool hitMemoryLimit() const { return m_outOfMemory.load(); }
    // Where the limit was hit; live bytes by category as classified when this is called (classify first).
    OutOfMemoryMoment outOfMemoryMoment() const;

    // Starts recording events. `layers` must outlive the recording; unknown module paths are added to it.
    // `moduleObjects`: the layer of each module object of the model (moduleLayers in ModuleHierarchy.h). Each
    // TorchScript call's `self` then says which layer runs, and ops take the layer of the innermost call; empty
    // (a frozen model, whose calls are inlined) looks the interpreter's module path up for every op instead.
    void begin(LayerTable* layers, qint32 lossLayerId, std::unordered_map<const void*, qint32> moduleObjects);
    // Memory that exists before the first measured iteration (parameters, buffers, optimizer state).
    void addSetupTensor(void* storage, qint64 bytes, Category category, qint32 layerId);
    // Everything else allocated before recording and still alive (weights a quantized engine repacked as the
    // model loaded, constants of the model's code), so that the run's live bytes start where the process is.
    // For a quantized resnet18 on oneDNN that is 22 MB beside 11 MB of int8 weights.
    void addRemainingLiveBlocks(Category category, qint32 layerId);

    void setPhase(Phase phase, qint32 iteration);
    // The tensors whose storages start at these addresses are of `category` (and owned by the given layer,
    // when it is >= 0). Only allocations recorded in this iteration and still alive are changed.
    void classifyLive(const std::vector<std::pair<void*, qint32>>& storages, Category category);
    // Backward begins: forward and loss allocations still alive are kept for backward.
    void markKeptForBackward();
    // Files this iteration's remaining allocations by the phase they were made in.
    void endIteration(bool training);

    // Stops recording and hands over the trace; per-layer times are added to the layers.
    RunTrace finish();
    // Stops recording and forgets what was recorded (the warm-up's events), leaving the layers as they were.
    void discard();
    qint64 unmatchedFrees() const; // frees of memory allocated before recording started

    // Hooks (called from LibTorch).
    void onAllocate(void* ptr, size_t bytes);
    void onFree(void* ptr);
    void checkLimit(size_t bytes);
    void onOpStart(const char* name, bool backwardFunction, int64_t sequenceNr, size_t* depth);
    void onOpEnd(size_t depth);

private:
    AllocationRecorder() = default;

    struct Allocation {
        void* ptr = nullptr;
        qint64 bytes = 0;
        qint32 opId = -1;
        qint32 layerId = -1;
        Phase phase = Phase::Setup;
        Category category = Category::Temporary;
        qint32 iteration = 0;
        bool live = true;
        bool classified = false; // category set from what the tensor is (output, gradient, state)
        bool outlivedOp = false; // still alive when the top-level op that made it ended
        bool keptForBackward = false;
    };
    struct LiveBlock {
        qint64 bytes = 0;
        qint32 allocationId = -1; // -1: allocated while not recording
    };
    struct Frame {
        qint32 opId = -1;
        qint32 layerId = -1;
        qint64 startNs = 0;
        qint32 firstAllocationId = 0;
    };

    // Layers by the autograd sequence number of the forward op that made them. Numbers grow by one per op on
    // the thread running forward, so a vector from the iteration's first number does; others go to a map.
    class LayersBySequence {
    public:
        void set(int64_t sequenceNr, qint32 layer);
        qint32 find(int64_t sequenceNr) const; // -1 when unknown
        void clear();

    private:
        int64_t m_first = -1;
        std::vector<qint32> m_near;
        std::unordered_map<int64_t, qint32> m_far;
    };

    qint64 nowNs() const;
    qint32 internOp(const char* name); // call with m_mutex held
    qint32 layerOfRunningModule(); // call without m_mutex
public: // for the call callbacks
    qint32 layerOfModuleObject(const void* object) const; // -1 when it is no module of the model
    bool followsCalls() const { return !m_moduleObjects.empty(); }

private:
    void addOpCallbacks();
    void removeOpCallbacks();
    void closePhaseSpan(qint64 endNs);
    static std::vector<Frame>& threadFrames();

    mutable std::mutex m_mutex;
    bool m_installed = false;
    std::atomic<bool> m_recording { false };
    std::atomic<bool> m_outOfMemory { false };
    std::atomic<qint64> m_limit { 0 };
    qint64 m_live = 0;
    std::unordered_map<void*, LiveBlock> m_liveBlocks;

    // Recording state; guarded by m_mutex.
    std::chrono::steady_clock::time_point m_start;
    LayerTable* m_layers = nullptr;
    qint32 m_lossLayerId = -1;
    std::atomic<Phase> m_phase { Phase::Setup }; // read by every thread's hooks
    qint32 m_iteration = 0;
    qint32 m_iterationFirstAllocation = 0;
    std::vector<Allocation> m_allocations;
    std::vector<Event> m_events;
    QStringList m_ops;
    std::unordered_map<std::string, qint32> m_opIds;
    // The same op names by the address RecordFunction gives them (an op's schema keeps its name for good), with
    // the name itself to check that the address still holds it.
    std::unordered_map<const char*, std::pair<std::string, qint32>> m_opIdsByAddress;
    std::unordered_map<std::string, qint32> m_layerByHierarchy;
    LayersBySequence m_layerBySequenceNr;
    std::unordered_map<const void*, qint32> m_moduleObjects; // set by begin(), read by the call callbacks
    QVector<PhaseSpan> m_phaseSpans;
    std::vector<OpSpan> m_opSpans;
    std::vector<qint64> m_forwardNs;
    std::vector<qint64> m_backwardNs;
    qint64 m_unmatchedFrees = 0;
    qint64 m_recordedLive = 0; // live bytes of what this recording accounts for (setup included)
    // What the interpreter thread is running, for allocations made on LibTorch's worker threads.
    std::thread::id m_mainThread;
    qint32 m_mainOpId = -1;
    qint32 m_mainLayerId = -1;
    OutOfMemoryMoment m_oomMoment;
    std::vector<qint32> m_oomLiveAllocations; // what was alive when the limit was hit
    uint64_t m_opCallback = 0; // at::CallbackHandle of the op callbacks
    uint64_t m_callCallback = 0; // and of the TorchScript call callbacks
};

} // namespace memoscope
