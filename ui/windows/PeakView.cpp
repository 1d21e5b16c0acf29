#include "PeakView.h"

#include "ui/charts/BarChart.h"
#include "ui/charts/ChartColors.h"
#include "ui/models/PeakModel.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace memoscope {

namespace {
    constexpr int layerBars = 12; // more bars than this are unreadable; the table has them all
}

PeakView::PeakView(QWidget* parent)
    : QWidget(parent)
    , m_byCategory(new PeakModel(PeakModel::Grouping::ByCategory, this))
    , m_byLayer(new PeakModel(PeakModel::Grouping::ByLayer, this))
    , m_categoryChart(new BarChart(this))
    , m_layerChart(new BarChart(this))
    , m_tabs(new QTabWidget(this))
{
    QTableView* categoryTable = nullptr;
    m_tabs->addTab(makeTab(m_byCategory, m_categoryChart, &categoryTable), tr("Alive at peak, by category"));
    m_tabs->addTab(makeTab(m_byLayer, m_layerChart, &m_layerTable), tr("By layer"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
    connect(m_layerTable, &QTableView::clicked, this, [this](const QModelIndex& index) {
        Q_EMIT layerSelected(index.data(PeakModel::LayerIdRole).toInt());
    });
}

QWidget* PeakView::makeTab(PeakModel* model, BarChart* chart, QTableView** table)
{
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(PeakModel::SortRole);
    *table = new QTableView(this);
    (*table)->setModel(proxy);
    (*table)->setSortingEnabled(true);
    (*table)->sortByColumn(PeakModel::BytesColumn, Qt::DescendingOrder);
    (*table)->horizontalHeader()->setSectionResizeMode(PeakModel::NameColumn, QHeaderView::Stretch);
    (*table)->verticalHeader()->setVisible(false);
    (*table)->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("peakSplitter")); // the main window restores it by name
    splitter->addWidget(chart);
    splitter->addWidget(*table);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    return splitter;
}

void PeakView::setRun(const StoredRun& run)
{
    m_byCategory->resetData(run);
    m_byLayer->resetData(run);
    redrawCharts();
}

void PeakView::clear()
{
    m_byCategory->clearData();
    m_byLayer->clearData();
    redrawCharts();
}

void PeakView::redrawCharts()
{
    QStringList labels;
    QVector<double> bytes;
    QVector<QColor> colours;
    for (int row = 0; row < m_byCategory->rowCount(); ++row) {
        const QModelIndex index = m_byCategory->index(row, PeakModel::NameColumn);
        labels << index.data().toString();
        bytes << m_byCategory->index(row, PeakModel::BytesColumn).data(PeakModel::SortRole).toDouble();
        colours << categoryColor(Category(index.data(PeakModel::CategoryRole).toInt()));
    }
    m_categoryChart->setBars(labels, bytes, colours);

    labels.clear();
    bytes.clear();
    colours.clear();
    const auto bars = m_byLayer->bars();
    for (int i = 0; i < std::min<int>(layerBars, bars.size()); ++i) {
        labels << bars[i].first;
        bytes << double(bars[i].second);
        colours << seriesColor(0, 1);
    }
    m_layerChart->setBars(labels, bytes, colours);
}

} // namespace memoscope
