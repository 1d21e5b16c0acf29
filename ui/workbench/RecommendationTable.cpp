#include "RecommendationTable.h"

#include <QHeaderView>

namespace memoscope {

QTableView* recommendationTable(RecommendationModel* model, QWidget* parent)
{
    auto* table = new QTableView(parent);
    table->setObjectName(QStringLiteral("recommendations"));
    table->setModel(model);
    table->setMaximumHeight(260);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    // Long levers and changes wrap onto a second line rather than being cut off at a narrow dock.
    table->setWordWrap(true);
    table->setTextElideMode(Qt::ElideRight);
    table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    table->verticalHeader()->setVisible(false);
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    QHeaderView* header = table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(RecommendationModel::LeverColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(RecommendationModel::ChangesColumn, QHeaderView::Stretch);
    return table;
}

} // namespace memoscope
