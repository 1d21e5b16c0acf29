#include "RunListModel.h"

#include "core/ByteFormat.h"

#include <QBrush>
#include <QColor>
#include <QFileInfo>

namespace memoscope {

namespace {
    bool isComplete(const RunSummary& run) { return run.status == RunStatus::Complete; }

    bool hasFailed(const RunSummary& run)
    {
        return run.status == RunStatus::Failed || run.status == RunStatus::OutOfMemory;
    }

    QString modeText(const RunConfig& config)
    {
        if (config.mode == RunMode::Train)
            return QStringLiteral("%1 (%2)").arg(modeName(config.mode), optimizerName(config.optimizer));
        return modeName(config.mode);
    }

    QVariant displayValue(const RunSummary& run, int column)
    {
        switch (column) {
        case RunListModel::IdColumn:
            return run.id;
        case RunListModel::NameColumn:
            return run.name;
        case RunListModel::ModelColumn:
            return QFileInfo(run.modelPath).fileName();
        case RunListModel::ModeColumn:
            return modeText(run.config);
        case RunListModel::StatusColumn:
            return statusName(run.status);
        case RunListModel::PeakColumn:
            return isComplete(run) ? formatBytes(run.peakBytes) : QStringLiteral("-");
        case RunListModel::IterationColumn:
            // A failed run's timings cover only the iterations before it stopped, if any.
            return isComplete(run) ? QStringLiteral("%1 ms").arg(run.iterationMsMedian, 0, 'f', 2)
                                   : QStringLiteral("-");
        case RunListModel::CreatedColumn:
            return run.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm"));
        }
        return {};
    }

    QVariant sortValue(const RunSummary& run, int column)
    {
        switch (column) {
        case RunListModel::IdColumn:
            return run.id;
        case RunListModel::PeakColumn:
            // Unfinished runs sort below every measured peak instead of among the small ones.
            return isComplete(run) ? run.peakBytes : qint64(-1);
        case RunListModel::IterationColumn:
            return isComplete(run) ? run.iterationMsMedian : -1.0;
        case RunListModel::StatusColumn:
            return int(run.status);
        case RunListModel::CreatedColumn:
            return run.createdAt.toMSecsSinceEpoch();
        default:
            return displayValue(run, column);
        }
    }

    QColor statusColor(RunStatus status)
    {
        return status == RunStatus::OutOfMemory ? QColor(0xb3, 0x5c, 0x00) : QColor(0xc0, 0x1c, 0x28);
    }
}

RunListModel::RunListModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RunListModel::resetData(const QVector<RunSummary>& runs)
{
    beginResetModel();
    m_runs = runs;
    endResetModel();
}

void RunListModel::clearData() { resetData({}); }

RunSummary RunListModel::runAt(int row) const { return row >= 0 && row < m_runs.size() ? m_runs[row] : RunSummary {}; }

int RunListModel::rowOfRun(qint64 runId) const
{
    for (int row = 0; row < m_runs.size(); ++row)
        if (m_runs[row].id == runId)
            return row;
    return -1;
}

int RunListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_runs.size()); }

int RunListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : NUM_COLUMNS; }

QVariant RunListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunSummary& run = m_runs[index.row()];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(run, column);
    case Qt::EditRole:
        return column == NameColumn ? QVariant(run.name) : displayValue(run, column);
    case SortRole:
        return sortValue(run, column);
    case RunIdRole:
        return run.id;
    case StatusRole:
        return int(run.status);
    case Qt::ToolTipRole:
        if (column == ModelColumn)
            return run.modelPath;
        if (hasFailed(run) && !run.error.isEmpty())
            return run.error;
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn && hasFailed(run))
            return QBrush(statusColor(run.status));
        return {};
    case Qt::TextAlignmentRole:
        if (column == IdColumn || column == PeakColumn || column == IterationColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= NUM_COLUMNS)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case IdColumn:
            return QStringLiteral("Run");
        case NameColumn:
            return QStringLiteral("Name");
        case ModelColumn:
            return QStringLiteral("Model");
        case ModeColumn:
            return QStringLiteral("Mode");
        case StatusColumn:
            return QStringLiteral("Status");
        case PeakColumn:
            return QStringLiteral("Peak");
        case IterationColumn:
            return QStringLiteral("Iteration");
        case CreatedColumn:
            return QStringLiteral("Created");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case PeakColumn:
            return QStringLiteral("The most tensor memory alive at once");
        case IterationColumn:
            return QStringLiteral("Median wall time of one measured iteration");
        }
    }
    return {};
}

Qt::ItemFlags RunListModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags result = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == NameColumn)
        result |= Qt::ItemIsEditable;
    return result;
}

bool RunListModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || index.column() != NameColumn
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const RunSummary& run = m_runs[index.row()];
    const QString name = value.toString().trimmed();
    if (name == run.name)
        return false;
    Q_EMIT renameRequested(run.id, name);
    return true;
}

} // namespace memoscope
