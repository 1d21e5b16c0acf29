#include "HistoryDock.h"

#include "ui/models/RunListModel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace memoscope {

HistoryDock::HistoryDock(QWidget* parent)
    : QDockWidget(tr("Run history"), parent)
    , m_runs(new RunListModel(this))
    , m_sorted(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_open(new QPushButton(tr("Open"), this))
    , m_rename(new QPushButton(tr("Rename"), this))
    , m_delete(new QPushButton(tr("Delete…"), this))
    , m_compare(new QPushButton(tr("Compare"), this))
{
    setObjectName(QStringLiteral("history"));
    m_sorted->setSourceModel(m_runs);
    m_sorted->setSortRole(RunListModel::SortRole);
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RunListModel::IdColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::EditKeyPressed);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_compare->setToolTip(tr("Select two or more runs (Ctrl+click) to compare them"));

    connect(m_runs, &RunListModel::renameRequested, this, &HistoryDock::renameRequested);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        Q_EMIT openRequested(index.data(RunListModel::RunIdRole).toLongLong());
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (selectedRuns().size() == 1)
            Q_EMIT openRequested(selectedRuns().first());
    });
    connect(m_rename, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_table->currentIndex();
        if (current.isValid())
            m_table->edit(current.siblingAtColumn(RunListModel::NameColumn));
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QVector<qint64> ids = selectedRuns();
        if (ids.isEmpty())
            return;
        const QString question = ids.size() == 1
            ? tr("Delete run %1 and all its events? This cannot be undone.").arg(ids.first())
            : tr("Delete %1 runs and all their events? This cannot be undone.").arg(ids.size());
        if (QMessageBox::question(this, tr("Delete runs"), question) == QMessageBox::Yes)
            for (qint64 id : ids)
                Q_EMIT deleteRequested(id);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (selectedRuns().size() >= 2)
            Q_EMIT compareRequested(selectedRuns());
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryDock::updateButtons);

    auto* buttons = new QHBoxLayout;
    for (QPushButton* button : { m_open, m_rename, m_delete, m_compare })
        buttons->addWidget(button);
    buttons->addStretch();
    auto* content = new QWidget(this);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_table);
    layout->addLayout(buttons);
    setWidget(content);
    updateButtons();
}

void HistoryDock::setRuns(const QVector<RunSummary>& runs)
{
    const QVector<qint64> selected = selectedRuns();
    m_runs->resetData(runs);
    selectRuns(selected);
    updateButtons();
}

QVector<qint64> HistoryDock::selectedRuns() const
{
    QVector<qint64> ids;
    for (const QModelIndex& index : m_table->selectionModel()->selectedRows())
        ids << index.data(RunListModel::RunIdRole).toLongLong();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void HistoryDock::selectRuns(const QVector<qint64>& runIds)
{
    QItemSelection selection;
    for (qint64 id : runIds) {
        const int row = m_runs->rowOfRun(id);
        if (row >= 0) {
            const QModelIndex index = m_sorted->mapFromSource(m_runs->index(row, 0));
            selection.select(index, index);
        }
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void HistoryDock::updateButtons()
{
    const int count = int(selectedRuns().size());
    m_open->setEnabled(count == 1);
    m_rename->setEnabled(count == 1);
    m_delete->setEnabled(count >= 1);
    m_compare->setEnabled(count >= 2);
}

} // namespace memoscope
