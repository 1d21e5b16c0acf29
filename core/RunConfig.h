#pragma once
// How a run was asked for: the model, its inputs and the step to measure. Stored with every run as JSON so
// that a run can be repeated exactly.

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace memoscope {

enum class RunMode { Inference, Train };
enum class OptimizerKind { Sgd, Adam };
// How a training data set is read: whole into memory before the first step, or batch by batch from disk.
enum class DataReading { InMemory, Streamed };

struct RunConfig {
    QString modelPath;
    QStringList inputs; // one spec per model input, see InputSpec
    QString labels; // a spec or file for cross-entropy labels; empty: the loss is the mean of the output
    RunMode mode = RunMode::Inference;
    OptimizerKind optimizer = OptimizerKind::Sgd;
    double learningRate = 0.01;
    int iterations = 3;
    int warmup = 1;
    qint64 memoryLimitBytes = 0; // --memory-limit; 0: none given
    // Without --memory-limit a run is stopped at a guard derived from the memory available when it starts (see
    // MemoryGuard.h), unless --memory-limit none lifted it. The profiler records the guard it applied.
    bool memoryGuard = true;
    qint64 memoryGuardBytes = 0;
    bool trace = true; // false: the same iterations with no instrumentation, to measure overhead
    int threads = 0; // intra-op threads; 0: LibTorch's default
    QString quantizedEngine; // qnnpack or onednn; empty: the one a model was optimized for, else the faster
    QString name;
    // Gradient checkpointing in training: empty or "none", "auto", "budget=BYTES", or module paths joined by ','.
    QString checkpoint;
    QString amp; // mixed precision in training: empty (float32) or "bf16"
    QString data; // a data set spec (see profiler/data) whose batches replace random inputs; empty: none
    DataReading dataReading = DataReading::InMemory;
    int batch = 0; // samples per batch from `data`; 0: the batch dimension of the first --input, else 32
    QStringList opsLibraries; // shared libraries of custom operators to load before the model (--ops-library)

    // A run recorded inside the user's own Python process (memoscope_record) rather than profiled here.
    QString source; // empty: profiled by Memoscope's LibTorch engine; recordedSource(): imported from a trace
    QString modelClass; // the recorded program's model class, "torchvision.models.resnet.ResNet"
    QString optimizerClass; // its optimizer's class ("AdamW", "ZeroRedundancyOptimizer"); `optimizer` is its kind
    QString device; // the device whose memory the run holds ("cuda:0"); empty: the CPU
    // A rank of a torch.distributed job: the ranks of one job are imported together as one group.
    int rank = -1;
    int worldSize = 0;
    QString group; // the same for every run of the group; empty: not part of a group

    bool recorded() const { return source == recordedSource(); }
    static QString recordedSource() { return QStringLiteral("recorded in process"); }

    QJsonObject toJson() const;
    static RunConfig fromJson(const QJsonObject& json);
};

// The most intra-op threads a run may ask for: 4 per core. More only contend for the cores (100000 threads took a
// 2-core machine to a load average of 190).
int maxThreads();

QString modeName(RunMode mode);
QString optimizerName(OptimizerKind kind);
bool parseMode(const QString& text, RunMode* mode);
bool parseOptimizer(const QString& text, OptimizerKind* kind);
QString dataReadingName(DataReading reading);

} // namespace memoscope
