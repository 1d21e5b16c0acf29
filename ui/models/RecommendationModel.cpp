#include "RecommendationModel.h"

#include "core/ByteFormat.h"
#include "core/advisor/Advisor.h"

#include <QBrush>
#include <QPalette>

namespace memoscope {

RecommendationModel::RecommendationModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RecommendationModel::resetData(const QVector<Recommendation>& recommendations)
{
    beginResetModel();
    m_recommendations = recommendations;
    endResetModel();
}

int RecommendationModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_recommendations.size());
}

int RecommendationModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

namespace {
    QString cellText(const Recommendation& r, int column)
    {
        switch (column) {
        case RecommendationModel::LeverColumn:
            return r.technique;
        case RecommendationModel::SavingColumn:
            // Levers that save nothing on this run (distillation, or streaming without a data set) stay listed
            // for their reason.
            return r.predictedSavingBytes > 0 ? QStringLiteral("%1 (%2 %)")
                                                    .arg(formatBytes(r.predictedSavingBytes))
                                                    .arg(100 * r.predictedSavingFraction, 0, 'f', 0)
                                              : QStringLiteral("no saving");
        case RecommendationModel::RiskColumn:
            return riskLevelLabel(r.risk.level);
        case RecommendationModel::ChangesColumn:
            return r.risk.whatChanges();
        }
        return {};
    }
}

QVariant RecommendationModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Recommendation& r = m_recommendations[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return cellText(r, index.column());
    case Qt::ToolTipRole:
        return QStringLiteral("%1: %2\n%3\n%4\nPredicted peak %5%6")
            .arg(r.technique, r.settings, r.reason, r.risk.text, formatBytes(r.predictedPeakBytes),
                r.appliedByOptimize ? QString() : QStringLiteral("\nA run option: the workbench cannot apply it"));
    case Qt::ForegroundRole:
        return r.predictedSavingBytes > 0 ? QVariant() : QVariant(QPalette().brush(QPalette::Disabled, QPalette::Text));
    case Qt::TextAlignmentRole:
        return index.column() == SavingColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    }
    return {};
}

QVariant RecommendationModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::ToolTipRole)
        return QStringLiteral("Listed %1").arg(recommendationOrder());
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case LeverColumn:
        return QStringLiteral("Lever");
    case SavingColumn:
        return QStringLiteral("Saving");
    case RiskColumn:
        return QStringLiteral("Risk");
    case ChangesColumn:
        return QStringLiteral("What it changes");
    }
    return {};
}

} // namespace memoscope
