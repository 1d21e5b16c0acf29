#pragma once
// The advisor's recommendations as a table narrow enough for the workbench dock: lever, saving, risk and what
// it changes, in the advisor's own order (recommendationOrder()); the settings, the reason and the whole risk
// on hover.

#include "core/advisor/Recommendation.h"

#include <QAbstractTableModel>

namespace memoscope {

class RecommendationModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { LeverColumn, SavingColumn, RiskColumn, ChangesColumn, ColumnCount };

    explicit RecommendationModel(QObject* parent = nullptr);

    void resetData(const QVector<Recommendation>& recommendations);
    void clearData() { resetData({}); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<Recommendation> m_recommendations;
};

} // namespace memoscope
