#pragma once
// A file written by Python's torch.save holding a tuple or list (inputs, labels), or one inputs tensor
// (unlabelled). Read whole with torch::pickle_load and held in memory, in the stored dtype.

#include "Dataset.h"

namespace memoscope {

class TensorFileDataset : public Dataset {
public:
    TensorFileDataset(const QString& path, const DatasetOptions& options); // throws ProfileError

    QString name() const override { return m_name; }
    qint64 size() const override { return m_inputs.size(0); }
    bool labelled() const override { return m_labels.defined(); }
    int64_t classCount() const override { return m_classCount; }
    std::vector<int64_t> sampleShape() const override { return m_sampleShape; }
    DataBatch batch(qint64 first, qint64 count) override;
    bool streamed() const override { return false; }
    qint64 residentBytes() const override;
    QString sampleSummary() const override;

private:
    void setLabels(const at::Tensor& labels);

    QString m_name;
    std::vector<int64_t> m_storedShape;
    std::vector<int64_t> m_sampleShape;
    at::Tensor m_inputs; // [N, sampleShape...]
    at::Tensor m_labels; // int64 [N], or undefined
    int64_t m_classCount = 0;
};

} // namespace memoscope
