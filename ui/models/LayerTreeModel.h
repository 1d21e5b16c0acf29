#pragma once
// The model's module hierarchy as a tree. Figures include each layer's children (as the CLI's --json does);
// the layer's own share is in the tooltip of its name.

#include "core/Analysis.h"

#include <QAbstractItemModel>
#include <QVector>

namespace memoscope {

class LayerTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Columns {
        LayerColumn,
        TypeColumn,
        ParamsColumn,
        ActivationColumn,
        PeakColumn,
        AllocatedColumn,
        ForwardColumn,
        BackwardColumn,
        NUM_COLUMNS
    };
    enum Roles {
        SortRole = Qt::UserRole,
        LayerIdRole, // qint32
    };

    explicit LayerTreeModel(QObject* parent = nullptr);

    // `layers` as RunTrace::layers (ids are indices), `stats` indexed by layer id, times summed over
    // `iterations` and shown per iteration.
    void resetData(const QVector<Layer>& layers, const QVector<LayerStats>& stats, int iterations);
    void clearData();

    QModelIndex indexOfLayer(qint32 layerId) const; // column 0; invalid for an unknown id
    // Also accepts an index of a proxy model over this one; -1 for an invalid index.
    qint32 layerIdAt(const QModelIndex& index) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node {
        LayerRow total; // including children
        LayerRow own;
        QString name; // relative to the parent's path
        qint32 parentId = -1;
        int row = 0; // among the parent's children (or the roots)
        QVector<qint32> children;
    };
    const QVector<qint32>& childrenOf(const QModelIndex& parent) const;

    QVector<Node> m_nodes; // indexed by layer id
    QVector<qint32> m_roots;
};

} // namespace memoscope
