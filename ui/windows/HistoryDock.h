#pragma once
// The runs in the store: open, rename, delete (after confirming), and pick two or more to compare.

#include "core/Run.h"

#include <QDockWidget>

class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace memoscope {

class RunListModel;

class HistoryDock : public QDockWidget {
    Q_OBJECT
public:
    explicit HistoryDock(QWidget* parent = nullptr);
    void setRuns(const QVector<RunSummary>& runs);
    RunListModel* runs() const { return m_runs; }
    QTableView* table() const { return m_table; }
    QVector<qint64> selectedRuns() const;
    void selectRuns(const QVector<qint64>& runIds);

Q_SIGNALS:
    void openRequested(qint64 runId);
    void renameRequested(qint64 runId, const QString& name);
    void deleteRequested(qint64 runId);
    void compareRequested(const QVector<qint64>& runIds);

private:
    void updateButtons();

    RunListModel* m_runs;
    QSortFilterProxyModel* m_sorted;
    QTableView* m_table;
    QPushButton* m_open;
    QPushButton* m_rename;
    QPushButton* m_delete;
    QPushButton* m_compare;
};

} // namespace memoscope
