#pragma once
// A contiguous range of another data set's rows, read through it without copying.

#include "Dataset.h"

namespace memoscope {

class SubsetDataset : public Dataset {
public:
    SubsetDataset(std::shared_ptr<Dataset> base, qint64 first, qint64 count); // the range is clipped to base

    QString name() const override;
    qint64 size() const override { return m_count; }
    bool labelled() const override { return m_base->labelled(); }
    int64_t classCount() const override { return m_base->classCount(); } // the base's classes, not the range's
    QStringList classNames() const override { return m_base->classNames(); }
    std::vector<int64_t> sampleShape() const override { return m_base->sampleShape(); }
    DataBatch batch(qint64 first, qint64 count) override;
    bool streamed() const override { return m_base->streamed(); }
    qint64 residentBytes() const override { return m_base->residentBytes(); } // shared, so the base's
    QString sampleSummary() const override { return m_base->sampleSummary(); }

private:
    std::shared_ptr<Dataset> m_base;
    qint64 m_first = 0;
    qint64 m_count = 0;
};

} // namespace memoscope
