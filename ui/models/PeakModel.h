#pragma once
// What was alive at a run's peak moment, split by category or by layer. Layers show their own bytes, so the
// rows add up without counting a child inside its parent again.

#include "core/Store.h"

#include <QAbstractTableModel>
#include <QPair>
#include <QVector>

namespace memoscope {

class PeakModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Grouping { ByCategory, ByLayer };
    enum Columns { NameColumn, BytesColumn, ShareColumn, NUM_COLUMNS };
    enum Roles {
        SortRole = Qt::UserRole,
        LayerIdRole, // qint32; -1 for a category row
        CategoryRole, // int(Category); -1 for a layer row
    };

    explicit PeakModel(Grouping grouping, QObject* parent = nullptr);

    Grouping grouping() const;
    void resetData(const StoredRun& run);
    void clearData();

    // (name, bytes) in row order, for a bar chart.
    QVector<QPair<QString, qint64>> bars() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString name;
        QString toolTip;
        qint64 bytes = 0;
        qint32 layerId = -1;
        int category = -1;
    };
    double share(const Row& row) const; // percent of the peak

    Grouping m_grouping;
    QVector<Row> m_rows;
    qint64 m_peakBytes = 0;
};

} // namespace memoscope
