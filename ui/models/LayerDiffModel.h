#pragma once
// Run B minus run A, one row per layer that changed (core/compare/LayerDiff), largest change at the peak first,
// like heaptrack's diff mode: what an optimization did to each layer, pinned to the layer where it happened.
// Differences are coloured as in CompareModel: less memory is an improvement.

#include "core/compare/LayerDiff.h"

#include <QAbstractTableModel>

namespace memoscope {

class LayerDiffModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        LayerColumn,
        TypeColumn,
        PeakAColumn,
        PeakBColumn,
        PeakDeltaColumn,
        ParamDeltaColumn,
        ActivationDeltaColumn,
        AllocatedDeltaColumn,
        ColumnCount
    };
    enum Roles {
        SortRole = Qt::UserRole, // the raw number (bytes) or text
        PathRole, // the layer's path, without "(only in #n)"
    };

    explicit LayerDiffModel(QObject* parent = nullptr);

    void resetData(const StoredRun& a, const StoredRun& b);
    void clearData();
    const QVector<LayerDifference>& differences() const { return m_differences; }
    qint64 runIdA() const { return m_runIdA; }
    qint64 runIdB() const { return m_runIdB; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<LayerDifference> m_differences;
    qint64 m_runIdA = 0;
    qint64 m_runIdB = 0;
};

} // namespace memoscope
