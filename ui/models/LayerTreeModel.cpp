#include "LayerTreeModel.h"

#include "core/ByteFormat.h"

namespace memoscope {

namespace {
    // A layer attached to a distant ancestor (its own parent module was never seen) keeps the missing part
    // of its path, so that "layer1.0" under the root does not read as a bare "0".
    QString nameUnder(const Layer& layer, const QString& parentPath)
    {
        if (layer.path.isEmpty())
            return layer.displayPath();
        if (!parentPath.isEmpty() && layer.path.startsWith(parentPath + QLatin1Char('.')))
            return layer.path.mid(parentPath.size() + 1);
        if (parentPath.isEmpty() && !layer.pseudo)
            return layer.path;
        return layer.path.section(QLatin1Char('.'), -1);
    }

    QString milliseconds(double ms) { return QStringLiteral("%1 ms").arg(ms, 0, 'f', 2); }

    QString ownFigures(const LayerRow& row)
    {
        return QStringLiteral("Own, without children:\nParameters %1\nActivations %2\nAt peak %3\nAllocated %4\n"
                              "Forward %5, backward %6 per iteration")
            .arg(formatBytes(row.paramBytes), formatBytes(row.activationBytes), formatBytes(row.peakContributionBytes),
                formatBytes(row.allocatedBytes), milliseconds(row.forwardMs), milliseconds(row.backwardMs));
    }

    QVariant number(const LayerRow& row, int column)
    {
        switch (column) {
        case LayerTreeModel::ParamsColumn:
            return row.paramBytes;
        case LayerTreeModel::ActivationColumn:
            return row.activationBytes;
        case LayerTreeModel::PeakColumn:
            return row.peakContributionBytes;
        case LayerTreeModel::AllocatedColumn:
            return row.allocatedBytes;
        case LayerTreeModel::ForwardColumn:
            return row.forwardMs;
        case LayerTreeModel::BackwardColumn:
            return row.backwardMs;
        }
        return {};
    }

    bool isTime(int column)
    {
        return column == LayerTreeModel::ForwardColumn || column == LayerTreeModel::BackwardColumn;
    }
}

LayerTreeModel::LayerTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
{
}

void LayerTreeModel::resetData(const QVector<Layer>& layers, const QVector<LayerStats>& stats, int iterations)
{
    const QVector<LayerRow> totals = layerRows(layers, stats, iterations, LayerScope::WithChildren);
    const QVector<LayerRow> own = layerRows(layers, stats, iterations, LayerScope::Own);

    beginResetModel();
    m_nodes = QVector<Node>(layers.size());
    m_roots.clear();
    for (const Layer& layer : layers) {
        Node& node = m_nodes[layer.id];
        node.total = totals[layer.id];
        node.own = own[layer.id];
        const bool hasParent = layer.parentId >= 0 && layer.parentId < layers.size() && layer.parentId != layer.id;
        node.parentId = hasParent ? layer.parentId : -1;
        node.name = nameUnder(layer, hasParent ? layers[layer.parentId].path : QString());
    }
    // Ids follow the model's depth-first order, so children come out in the order the model declares them.
    for (qint32 id = 0; id < m_nodes.size(); ++id) {
        Node& node = m_nodes[id];
        QVector<qint32>& siblings = node.parentId >= 0 ? m_nodes[node.parentId].children : m_roots;
        node.row = int(siblings.size());
        siblings.append(id);
    }
    endResetModel();
}

void LayerTreeModel::clearData() { resetData({}, {}, 1); }

QModelIndex LayerTreeModel::indexOfLayer(qint32 layerId) const
{
    if (layerId < 0 || layerId >= m_nodes.size())
        return {};
    return createIndex(m_nodes[layerId].row, 0, quintptr(layerId));
}

qint32 LayerTreeModel::layerIdAt(const QModelIndex& index) const
{
    if (!index.isValid())
        return -1;
    if (index.model() != this)
        return index.data(LayerIdRole).toInt();
    return qint32(index.internalId());
}

const QVector<qint32>& LayerTreeModel::childrenOf(const QModelIndex& parent) const
{
    return parent.isValid() ? m_nodes[qint32(parent.internalId())].children : m_roots;
}

QModelIndex LayerTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    return createIndex(row, column, quintptr(childrenOf(parent)[row]));
}

QModelIndex LayerTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    const qint32 parentId = m_nodes[qint32(child.internalId())].parentId;
    return parentId < 0 ? QModelIndex() : createIndex(m_nodes[parentId].row, 0, quintptr(parentId));
}

int LayerTreeModel::rowCount(const QModelIndex& parent) const
{
    // Only the first column has children, as tree views expect.
    if (parent.column() > 0)
        return 0;
    return int(childrenOf(parent).size());
}

int LayerTreeModel::columnCount(const QModelIndex&) const { return NUM_COLUMNS; }

QVariant LayerTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node& node = m_nodes[qint32(index.internalId())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        if (column == LayerColumn)
            return node.name;
        if (column == TypeColumn)
            return node.total.type;
        if (isTime(column))
            return milliseconds(number(node.total, column).toDouble());
        return formatBytes(number(node.total, column).toLongLong());
    case SortRole:
        if (column == LayerColumn)
            return node.name;
        if (column == TypeColumn)
            return node.total.type;
        return number(node.total, column);
    case LayerIdRole:
        return node.total.layerId;
    case Qt::ToolTipRole:
        if (column == LayerColumn)
            return node.total.path + QLatin1Char('\n') + ownFigures(node.own);
        return {};
    case Qt::TextAlignmentRole:
        if (column != LayerColumn && column != TypeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant LayerTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= NUM_COLUMNS)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case LayerColumn:
            return QStringLiteral("Layer");
        case TypeColumn:
            return QStringLiteral("Type");
        case ParamsColumn:
            return QStringLiteral("Parameters");
        case ActivationColumn:
            return QStringLiteral("Activations");
        case PeakColumn:
            return QStringLiteral("At peak");
        case AllocatedColumn:
            return QStringLiteral("Allocated");
        case ForwardColumn:
            return QStringLiteral("Forward");
        case BackwardColumn:
            return QStringLiteral("Backward");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ParamsColumn:
            return QStringLiteral("Parameters and buffers, including the layer's children");
        case ActivationColumn:
            return QStringLiteral("Activations kept per iteration, including the layer's children");
        case PeakColumn:
            return QStringLiteral("Memory the layer and its children owned at the peak moment");
        case AllocatedColumn:
            return QStringLiteral("Bytes allocated over the measured iterations, including the layer's children");
        case ForwardColumn:
        case BackwardColumn:
            return QStringLiteral("Wall time per iteration, including the layer's children");
        }
    }
    return {};
}

} // namespace memoscope
