#include "SubsetDataset.h"

#include <algorithm>

namespace memoscope {

SubsetDataset::SubsetDataset(std::shared_ptr<Dataset> base, qint64 first, qint64 count)
    : m_base(std::move(base))
{
    m_first = std::clamp<qint64>(first, 0, m_base->size());
    m_count = std::clamp<qint64>(count, 0, m_base->size() - m_first);
}

QString SubsetDataset::name() const
{
    return QStringLiteral("%1 (rows %2-%3)").arg(m_base->name()).arg(m_first + 1).arg(m_first + m_count);
}

DataBatch SubsetDataset::batch(qint64 first, qint64 count)
{
    first = std::clamp<qint64>(first, 0, m_count);
    count = std::clamp<qint64>(count, 0, m_count - first);
    return m_base->batch(m_first + first, count);
}

} // namespace memoscope
