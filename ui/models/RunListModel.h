#pragma once
// The stored runs as a table, one row per run, newest first as the store lists them.

#include "core/Run.h"

#include <QAbstractTableModel>
#include <QVector>

namespace memoscope {

class RunListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        IdColumn,
        NameColumn,
        ModelColumn,
        ModeColumn,
        StatusColumn,
        PeakColumn,
        IterationColumn,
        CreatedColumn,
        NUM_COLUMNS
    };
    enum Roles {
        SortRole = Qt::UserRole,
        RunIdRole, // qint64
        StatusRole, // int(RunStatus)
    };

    explicit RunListModel(QObject* parent = nullptr);

    void resetData(const QVector<RunSummary>& runs);
    void clearData();

    RunSummary runAt(int row) const;
    int rowOfRun(qint64 runId) const; // -1 when the run is not listed

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // The store owns the names: a new name is only requested here, the caller renames and resets the model.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

Q_SIGNALS:
    void renameRequested(qint64 runId, const QString& name);

private:
    QVector<RunSummary> m_runs;
};

} // namespace memoscope
