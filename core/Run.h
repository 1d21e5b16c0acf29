#pragma once
// A run as the store keeps it: its status, the model it profiled, and the figures measured.

#include "RunConfig.h"
#include "Taxonomy.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <array>

namespace memoscope {

// Cancelled: the user stopped it (the desktop app's Cancel); not a failure of the model.
enum class RunStatus { Running, Complete, Failed, OutOfMemory, Cancelled };
QString statusName(RunStatus status);
RunStatus statusFromName(const QString& name);

struct ModelInfo {
    qint64 id = -1;
    QString path;
    QString sha256;
    qint64 fileBytes = 0;
    qint64 paramCount = 0;
    qint64 paramBytes = 0; // parameters and buffers
};

using CategoryBytes = std::array<qint64, CategoryCount>;

// Where a run stopped when it hit --memory-limit.
struct OutOfMemoryMoment {
    qint64 requestedBytes = 0;
    qint64 liveBytes = 0;
    qint64 limitBytes = 0;
    QString layer;
    QString op;
    Phase phase = Phase::Forward;
    CategoryBytes liveByCategory {};
};

struct RunMetrics {
    // Allocator level, measured iterations only (plus what existed before them, see Phase::Setup).
    qint64 peakBytes = 0;
    qint64 peakTimeNs = 0;
    Phase peakPhase = Phase::Setup;
    QString peakLayer; // display path, empty when no layer was running
    QString peakOp;
    CategoryBytes categoriesAtPeak {};
    qint64 totalAllocatedBytes = 0; // bytes allocated in the measured iterations
    qint64 eventCount = 0;
    double attributedFraction = 0; // of allocated bytes, the share owned by a named layer or phase
    qint64 unmatchedFrees = 0; // frees of memory allocated before recording started

    // Wall time and process level.
    QVector<double> iterationMs;
    double iterationMsMedian = 0;
    qint64 rssPeakBytes = 0; // the whole worker process (LibTorch included), from the kernel
    int threads = 0;
    QString libtorchVersion;
    QString quantizedEngine; // the engine quantized ops ran with
    bool traced = true;

    bool hasOutOfMemory = false;
    OutOfMemoryMoment outOfMemory;

    // Training options as they were carried out (see RunConfig for how they were asked for).
    QStringList checkpointSegments; // module paths recomputed in backward
    double recomputeMs = 0; // per measured iteration: wall time of the segments' second forward
    qint64 plannedPeakBytes = 0; // --checkpoint budget=: the peak the plan predicted; 0 without a plan
    double plannedStepMs = 0; // --checkpoint selective: the step time the plan predicted; 0 without one
    std::array<QString, PhaseCount> phasePrecision {}; // dtype each phase computed in ("bfloat16"); empty: unknown
    QString data; // the data set read, as Dataset::description() says it
    QVector<double> losses; // training: the loss of each measured iteration

    // The model as it loaded.
    double loadMs = 0; // reading the file and loading the model (operator libraries included)
    qint64 constantBytes = 0; // of the model's parameters, the weights held as constants or packed objects
    qint64 constantCount = 0;
    QStringList operatorLibraries; // loaded before the model: torchvision's, and --ops-library
    QStringList suppliedOperators; // called by the model and supplied by Memoscope (newer than this LibTorch)
    QString attributionNote; // why ops could not be credited to the layers they came from, when they could not

    QJsonObject toJson() const;
    static RunMetrics fromJson(const QJsonObject& json);
};

// Per-layer figures computed from the events (own numbers, not including children).
struct LayerStats {
    qint64 allocatedBytes = 0; // over the measured iterations
    qint64 peakContributionBytes = 0; // live bytes the layer owned at the peak moment
    qint64 activationBytes = 0; // per iteration: activations it kept (for backward, in training)
};

// One row of the run list.
struct RunSummary {
    qint64 id = -1;
    qint64 modelId = -1;
    QString modelPath;
    QString name;
    QDateTime createdAt;
    QDateTime finishedAt;
    RunStatus status = RunStatus::Running;
    QString error;
    RunConfig config;
    qint64 peakBytes = 0;
    double iterationMsMedian = 0;
    qint64 eventCount = 0;
};

double median(QVector<double> values);

} // namespace memoscope
