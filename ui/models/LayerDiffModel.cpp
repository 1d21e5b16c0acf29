#include "LayerDiffModel.h"

#include "CompareModel.h"
#include "core/ByteFormat.h"

#include <QBrush>

namespace memoscope {

LayerDiffModel::LayerDiffModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void LayerDiffModel::resetData(const StoredRun& a, const StoredRun& b)
{
    beginResetModel();
    m_differences = layerDifferences(a, b);
    m_runIdA = a.summary.id;
    m_runIdB = b.summary.id;
    endResetModel();
}

void LayerDiffModel::clearData()
{
    beginResetModel();
    m_differences.clear();
    m_runIdA = m_runIdB = 0;
    endResetModel();
}

int LayerDiffModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_differences.size());
}

int LayerDiffModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

namespace {
    // A layer absent from a run has no figure there: "-" rather than a misleading 0 B.
    QVariant bytesCell(const LayerFigures& figures, qint64 bytes, int role)
    {
        if (role == Qt::DisplayRole)
            return figures.present ? formatBytes(bytes) : QStringLiteral("-");
        return figures.present ? QVariant(bytes) : QVariant();
    }

    // base: the layer's figure in run A, against which a change below 1 % is neutral.
    QVariant deltaCell(qint64 base, qint64 delta, int role)
    {
        switch (role) {
        case Qt::DisplayRole:
            return formatByteDelta(delta);
        case LayerDiffModel::SortRole:
            return delta;
        case Qt::BackgroundRole:
            return CompareModel::changeBrush(judgeChange(double(base), double(base + delta), true));
        case Qt::ForegroundRole:
            return CompareModel::changeBrush(judgeChange(double(base), double(base + delta), true)).isValid()
                ? QVariant(QBrush(Qt::black))
                : QVariant();
        }
        return {};
    }
}

QVariant LayerDiffModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LayerDifference& d = m_differences[index.row()];
    if (role == PathRole)
        return d.path;
    if (role == Qt::TextAlignmentRole)
        return index.column() >= PeakAColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    if (role != Qt::DisplayRole && role != SortRole && role != Qt::BackgroundRole && role != Qt::ForegroundRole)
        return {};
    const bool plain = role == Qt::DisplayRole || role == SortRole;
    switch (index.column()) {
    case LayerColumn:
        return plain ? QVariant(d.pathLabel(m_runIdA, m_runIdB)) : QVariant();
    case TypeColumn:
        return plain ? QVariant(d.typeLabel()) : QVariant();
    case PeakAColumn:
        return plain ? bytesCell(d.a, d.a.peakContributionBytes, role) : QVariant();
    case PeakBColumn:
        return plain ? bytesCell(d.b, d.b.peakContributionBytes, role) : QVariant();
    case PeakDeltaColumn:
        return deltaCell(d.a.peakContributionBytes, d.peakContributionDelta(), role);
    case ParamDeltaColumn:
        return deltaCell(d.a.paramBytes, d.paramDelta(), role);
    case ActivationDeltaColumn:
        return deltaCell(d.a.activationBytes, d.activationDelta(), role);
    case AllocatedDeltaColumn:
        return deltaCell(d.a.allocatedBytes, d.allocatedDelta(), role);
    }
    return {};
}

QVariant LayerDiffModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case LayerColumn:
            return tr("Layer");
        case TypeColumn:
            return tr("Type");
        case PeakAColumn:
            return tr("At peak #%1").arg(m_runIdA);
        case PeakBColumn:
            return tr("At peak #%1").arg(m_runIdB);
        case PeakDeltaColumn:
            return tr("Δ at peak");
        case ParamDeltaColumn:
            return tr("Δ parameters");
        case ActivationDeltaColumn:
            return tr("Δ activations");
        case AllocatedDeltaColumn:
            return tr("Δ allocated / iteration");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case PeakAColumn:
        case PeakBColumn:
        case PeakDeltaColumn:
            return tr("The layer's own bytes alive at its run's peak moment (children excluded)");
        case ActivationDeltaColumn:
            return tr("Activations the layer keeps for backward, per iteration");
        case AllocatedDeltaColumn:
            return tr("Bytes the layer allocated per iteration (runs may measure different iteration counts)");
        }
    }
    return {};
}

} // namespace memoscope
