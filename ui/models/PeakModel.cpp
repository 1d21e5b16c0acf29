#include "PeakModel.h"

#include "core/ByteFormat.h"

#include <algorithm>

namespace memoscope {

PeakModel::PeakModel(Grouping grouping, QObject* parent)
    : QAbstractTableModel(parent)
    , m_grouping(grouping)
{
}

PeakModel::Grouping PeakModel::grouping() const { return m_grouping; }

void PeakModel::resetData(const StoredRun& run)
{
    QVector<Row> rows;
    if (m_grouping == Grouping::ByCategory) {
        // Categories keep their fixed order so that bars and colours line up from one run to the next.
        for (Category category : allCategories()) {
            const qint64 bytes = run.metrics.categoriesAtPeak[int(category)];
            if (bytes != 0)
                rows.append(Row { categoryLabel(category), QString(), bytes, -1, int(category) });
        }
    } else {
        for (const Layer& layer : run.trace.layers) {
            const qint64 bytes = layer.id >= 0 && layer.id < run.layerStats.size()
                ? run.layerStats[layer.id].peakContributionBytes
                : 0;
            if (bytes > 0)
                rows.append(Row { layer.displayPath(),
                    QStringLiteral("%1 (%2), own bytes without its children").arg(layer.displayPath(), layer.type),
                    bytes, layer.id, -1 });
        }
        std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.bytes > b.bytes; });
    }

    beginResetModel();
    m_rows = rows;
    m_peakBytes = run.metrics.peakBytes;
    endResetModel();
}

void PeakModel::clearData()
{
    beginResetModel();
    m_rows.clear();
    m_peakBytes = 0;
    endResetModel();
}

QVector<QPair<QString, qint64>> PeakModel::bars() const
{
    QVector<QPair<QString, qint64>> result;
    result.reserve(m_rows.size());
    for (const Row& row : m_rows)
        result.append({ row.name, row.bytes });
    return result;
}

double PeakModel::share(const Row& row) const
{
    return m_peakBytes > 0 ? 100.0 * double(row.bytes) / double(m_peakBytes) : 0.0;
}

int PeakModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int PeakModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : NUM_COLUMNS; }

QVariant PeakModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[index.row()];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn)
            return row.name;
        if (column == BytesColumn)
            return formatBytes(row.bytes);
        return m_peakBytes > 0 ? QStringLiteral("%1 %").arg(share(row), 0, 'f', 1) : QStringLiteral("-");
    case SortRole:
        if (column == NameColumn)
            return row.name;
        if (column == BytesColumn)
            return row.bytes;
        return share(row);
    case LayerIdRole:
        return row.layerId;
    case CategoryRole:
        return row.category;
    case Qt::ToolTipRole:
        return row.toolTip.isEmpty() ? QVariant() : QVariant(row.toolTip);
    case Qt::TextAlignmentRole:
        if (column != NameColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant PeakModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return m_grouping == Grouping::ByCategory ? QStringLiteral("Category") : QStringLiteral("Layer");
    case BytesColumn:
        return QStringLiteral("At peak");
    case ShareColumn:
        return QStringLiteral("Share of peak");
    }
    return {};
}

} // namespace memoscope
