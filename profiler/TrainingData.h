#pragma once
// The batches a run reads from a data set (--data) instead of random inputs: the whole set read into memory
// before the first step, or streamed from disk batch by batch with its preprocessing (parsing, decoding,
// resizing and normalising images) done on the fly. Either way each step gets fresh tensors, as a
// DataLoader's collate makes them, and the set wraps round at its end.

#include "core/RunConfig.h"
#include "data/Dataset.h"

#include <memory>

namespace memoscope {

class TrainingData {
public:
    // sampleShape: the model's per-sample input shape, or empty to keep the stored one. Throws
    // ProfileError(ExitBadInput) for an unreadable set, a set smaller than one batch, or a set that cannot be
    // streamed (a torch.save file is read whole).
    TrainingData(const QString& spec, DataReading reading, const std::vector<int64_t>& sampleShape, int64_t batchSize);

    DataBatch next();
    int64_t batchSize() const { return m_batchSize; }
    bool labelled() const { return m_labelled; }
    // What the run holds of the set between steps: the whole set in memory, nothing tensor-sized when streamed.
    std::vector<at::Tensor> heldTensors() const;
    QString description() const { return m_description; }

private:
    std::unique_ptr<Dataset> m_streamed;
    DataBatch m_whole; // in memory
    qint64 m_size = 0;
    qint64 m_next = 0;
    int64_t m_batchSize = 0;
    bool m_labelled = false;
    QString m_description;
};

} // namespace memoscope
