#include "TrainingData.h"

#include "ProfileError.h"

#include <torch/torch.h>

#include <limits>

namespace memoscope {

TrainingData::TrainingData(
    const QString& spec, DataReading reading, const std::vector<int64_t>& sampleShape, int64_t batchSize)
    : m_batchSize(batchSize)
{
    if (batchSize < 1)
        throw ProfileError(ExitBadInput, QStringLiteral("--batch must be a whole number of at least 1"));
    DatasetOptions options;
    options.sampleShape = sampleShape;
    // Streamed: not even a small CSV is held; in memory: not even a large one is streamed.
    options.inMemoryLimitBytes = reading == DataReading::Streamed ? 0 : std::numeric_limits<qint64>::max();
    std::unique_ptr<Dataset> dataset = Dataset::open(spec, options);
    if (reading == DataReading::Streamed && !dataset->streamed())
        throw ProfileError(ExitBadInput,
            QStringLiteral("--stream cannot stream %1: LibTorch reads a torch.save file only whole; use --in-memory, "
                           "or a CSV file or image folder to stream")
                .arg(dataset->name()));
    m_size = dataset->size();
    if (m_size < batchSize)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has %2 samples, fewer than one batch of %3; give a smaller --batch")
                .arg(dataset->name())
                .arg(m_size)
                .arg(batchSize));
    m_labelled = dataset->labelled();
    // The reader's own way (an image folder always decodes per batch) is not how this run reads the set.
    m_description = dataset->contents()
        + (reading == DataReading::Streamed ? QStringLiteral(", streamed from disk batch by batch")
                                            : QStringLiteral(", read whole into memory before the first step"));
    if (reading == DataReading::Streamed) {
        m_streamed = std::move(dataset);
        return;
    }
    // One read of every row, then the reader goes: a CSV held in memory would otherwise be held twice.
    m_whole = dataset->batch(0, m_size);
}

DataBatch TrainingData::next()
{
    // Whole batches only, as a DataLoader with drop_last: every step has the same shape.
    if (m_next + m_batchSize > m_size)
        m_next = 0;
    const qint64 first = m_next;
    m_next += m_batchSize;
    if (m_streamed)
        return m_streamed->batch(first, m_batchSize);
    DataBatch batch;
    batch.inputs = m_whole.inputs.narrow(0, first, m_batchSize).clone();
    if (m_whole.labels.defined())
        batch.labels = m_whole.labels.narrow(0, first, m_batchSize).clone();
    return batch;
}

std::vector<at::Tensor> TrainingData::heldTensors() const
{
    std::vector<at::Tensor> tensors;
    for (const at::Tensor& tensor : { m_whole.inputs, m_whole.labels })
        if (tensor.defined())
            tensors.push_back(tensor);
    return tensors;
}

} // namespace memoscope
