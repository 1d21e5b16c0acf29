#pragma once
// A data set of model inputs (labelled or not), read in batches. Shared by fidelity and accuracy checks,
// knowledge distillation and training on data. Opened from a spec: "demo-digits", a .csv file, an image
// folder or a file of tensors saved with Python's torch.save.

#include <ATen/core/Tensor.h>

#include <QString>
#include <QStringList>
#include <cstdint>
#include <memory>
#include <vector>

namespace memoscope {

struct DatasetOptions {
    std::vector<int64_t> sampleShape; // the model's per-sample input shape (the --input spec without the batch
                                      // dimension); empty: as stored
    bool normalizeImages = true; // images: scale to [0,1] then ImageNet mean/std
    // Images are resized to this; 0: from sampleShape when it is [C,H,W], else the first image's size.
    int64_t imageHeight = 0, imageWidth = 0;
    qint64 inMemoryLimitBytes = 256LL * 1024 * 1024; // larger sets are streamed from disk in batches
};

struct DataBatch {
    at::Tensor inputs; // [n, sampleShape...], fresh memory owned by the batch (as a DataLoader's collate makes)
    at::Tensor labels; // int64 [n]; undefined when unlabelled
    qint64 size() const { return inputs.defined() ? inputs.size(0) : 0; }
};

class Dataset {
public:
    virtual ~Dataset();

    // Throws ProfileError(ExitBadInput) for a missing, unreadable or malformed data set, and for samples that do
    // not fit options.sampleShape.
    static std::unique_ptr<Dataset> open(const QString& spec, const DatasetOptions& options = {});

    virtual QString name() const = 0; // for messages: "digits.csv", "flowers"
    virtual qint64 size() const = 0;
    virtual bool labelled() const = 0;
    virtual int64_t classCount() const { return 0; } // 1 + the largest label; 0 when unlabelled
    virtual QStringList classNames() const { return {}; } // image folders: the class sub-folders
    virtual std::vector<int64_t> sampleShape() const = 0; // of one sample, without the batch dimension
    // Rows [first, first + count) clipped to size(); inputs float32 (or the stored dtype for tensor files).
    virtual DataBatch batch(qint64 first, qint64 count) = 0;
    virtual bool streamed() const = 0; // true when read from disk batch by batch instead of held in memory
    virtual qint64 residentBytes() const = 0; // bytes held in memory now (samples, labels, row index)
    virtual QString sampleSummary() const = 0; // "64 features", "RGB images at 224x224"

    // "digits.csv: 1797 labelled samples, 64 features, 10 classes"
    QString contents() const;
    // contents() and how it is read: "..., 10 classes, in memory"
    QString description() const;
};

// A view of rows [first, first + count) of base (clipped), without copying. The base is shared, so a training
// split and a held-out split of one data set hold its samples once.
std::unique_ptr<Dataset> subset(std::shared_ptr<Dataset> base, qint64 first, qint64 count);

// Deterministic split for held-out evaluation: the last ceil(size * fraction) rows, in stored order, are held
// out. For demo-digits, fraction 0.2 gives exactly the README's split (train: first 1437 rows, test: last 360).
struct DatasetSplit {
    std::unique_ptr<Dataset> train;
    std::unique_ptr<Dataset> heldOut;
};
DatasetSplit splitHeldOut(std::shared_ptr<Dataset> base, double fraction);

// The bundled digits CSV, or an empty string when it cannot be found.
QString demoDigitsPath();

} // namespace memoscope
