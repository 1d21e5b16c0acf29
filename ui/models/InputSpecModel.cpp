#include "InputSpecModel.h"

#include "core/InputSpec.h"

#include <QBrush>
#include <QColor>
#include <QFileInfo>
#include <QRegularExpression>

namespace memoscope {

namespace {
    bool looksLikeFile(const QString& text)
    {
        return text.contains(QLatin1Char('/')) || text.endsWith(QLatin1String(".pt"))
            || text.endsWith(QLatin1String(".pth")) || QFileInfo(text).isFile();
    }

    const QRegularExpression& leadingSize()
    {
        static const QRegularExpression pattern(QStringLiteral("^\\d+"));
        return pattern;
    }
}

QString InputSpecModel::Row::text() const
{
    QString result = shape;
    if (!dtype.isEmpty())
        result += QLatin1Char(':') + dtype;
    if (!range.isEmpty())
        result += QLatin1Char(':') + range;
    return result;
}

// Splits a spec over the three cells only where the split reads back as the same text; anything else (a
// file, a spec with parts in the wrong place) stays whole in the Shape cell, so the parser sees the user's
// text unchanged and reports it as the CLI would.
InputSpecModel::Row InputSpecModel::rowFromSpec(const QString& spec)
{
    Row row;
    const QString text = spec.trimmed();
    const QStringList parts = text.split(QLatin1Char(':'));
    const auto isRange = [](const QString& part) { return part.contains(QLatin1String("..")); };
    row.shape = text;
    const bool existingFile = QFileInfo(text).isFile(); // its name may contain ':'
    if (!existingFile && parts.size() == 2) {
        row.shape = parts[0];
        (isRange(parts[1]) ? row.range : row.dtype) = parts[1];
    } else if (!existingFile && parts.size() == 3 && !isRange(parts[1]) && isRange(parts[2])) {
        row.shape = parts[0];
        row.dtype = parts[1];
        row.range = parts[2];
    }
    // An empty part would vanish when the row is joined again; keep such text whole instead.
    if (row.text() != text) {
        row = Row();
        row.shape = text;
    }
    validate(&row);
    return row;
}

void InputSpecModel::validate(Row* row)
{
    QString error;
    row->error = InputSpec::parse(row->text(), &error) ? QString() : error;
    // Decided here rather than on every paint: it may look at the disk.
    row->file = row->dtype.isEmpty() && row->range.isEmpty() && looksLikeFile(row->shape);
}

InputSpecModel::InputSpecModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void InputSpecModel::setSpecs(const QStringList& specs)
{
    beginResetModel();
    m_rows.clear();
    for (const QString& spec : specs)
        m_rows.append(rowFromSpec(spec));
    endResetModel();
    updateValidity();
}

void InputSpecModel::clearData() { setSpecs({}); }

QStringList InputSpecModel::specs() const
{
    QStringList result;
    for (const Row& row : m_rows)
        result << row.text();
    return result;
}

bool InputSpecModel::isValid() const { return m_valid; }

QString InputSpecModel::errorText() const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (!m_rows[i].error.isEmpty())
            return QStringLiteral("Input %1: %2").arg(i + 1).arg(m_rows[i].error);
    return {};
}

int InputSpecModel::batchSize() const
{
    for (const Row& row : m_rows) {
        if (row.file)
            continue;
        return leadingSize().match(row.shape).captured().toInt();
    }
    return 0;
}

void InputSpecModel::setBatchSize(int batchSize)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        Row& row = m_rows[i];
        if (row.file || !leadingSize().match(row.shape).hasMatch())
            continue;
        row.shape.replace(leadingSize(), QString::number(batchSize));
        validate(&row);
        Q_EMIT dataChanged(index(i, 0), index(i, NUM_COLUMNS - 1));
    }
    updateValidity();
}

void InputSpecModel::updateValidity()
{
    bool valid = true;
    for (const Row& row : m_rows)
        valid = valid && row.error.isEmpty();
    if (valid == m_valid)
        return;
    m_valid = valid;
    Q_EMIT validityChanged(valid);
}

int InputSpecModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int InputSpecModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : NUM_COLUMNS; }

QVariant InputSpecModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
    case SortRole:
        switch (index.column()) {
        case ShapeColumn:
            return row.shape;
        case TypeColumn:
            // Shown as what the parser will use; edited as written.
            return role == Qt::DisplayRole && row.dtype.isEmpty() && !row.file ? QStringLiteral("float32") : row.dtype;
        case RangeColumn:
            return row.range;
        }
        return {};
    case SpecRole:
        return row.text();
    case Qt::ForegroundRole:
        return row.error.isEmpty() ? QVariant() : QVariant(QBrush(QColor(0xc0, 0x1c, 0x28)));
    case Qt::ToolTipRole:
        return row.error.isEmpty() ? QVariant() : QVariant(row.error);
    }
    return {};
}

QVariant InputSpecModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section >= 0 && section < m_rows.size() ? QVariant(QStringLiteral("Input %1").arg(section + 1))
                                                       : QVariant();
    switch (section) {
    case ShapeColumn:
        return QStringLiteral("Shape or file");
    case TypeColumn:
        return QStringLiteral("Type");
    case RangeColumn:
        return QStringLiteral("Range");
    }
    return {};
}

Qt::ItemFlags InputSpecModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags result = QAbstractTableModel::flags(index);
    // Views ask about the invalid index (the space below the rows) too: no warning for that.
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return result;
    if (index.column() == ShapeColumn || !m_rows[index.row()].file)
        result |= Qt::ItemIsEditable;
    return result;
}

bool InputSpecModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || !(flags(index) & Qt::ItemIsEditable))
        return false;
    Row& row = m_rows[index.row()];
    const QString text = value.toString().trimmed();
    switch (index.column()) {
    case ShapeColumn:
        if (looksLikeFile(text)) {
            row = Row(); // a file carries its own types and values
            row.shape = text;
        } else if (text.contains(QLatin1Char(':')))
            row = rowFromSpec(text); // a whole spec pasted into the Shape cell
        else
            row.shape = text;
        break;
    case TypeColumn:
        row.dtype = text;
        break;
    case RangeColumn:
        row.range = text;
        break;
    }
    validate(&row);
    Q_EMIT dataChanged(this->index(index.row(), 0), this->index(index.row(), NUM_COLUMNS - 1));
    updateValidity();
    return true;
}

bool InputSpecModel::insertRows(int row, int count, const QModelIndex& parent)
{
    if (parent.isValid() || row < 0 || row > m_rows.size() || count < 1)
        return false;
    beginInsertRows(parent, row, row + count - 1);
    for (int i = 0; i < count; ++i)
        m_rows.insert(row, rowFromSpec(QStringLiteral("1:float32")));
    endInsertRows();
    updateValidity();
    return true;
}

bool InputSpecModel::removeRows(int row, int count, const QModelIndex& parent)
{
    if (parent.isValid() || row < 0 || count < 1 || row + count > m_rows.size())
        return false;
    beginRemoveRows(parent, row, row + count - 1);
    m_rows.remove(row, count);
    endRemoveRows();
    updateValidity();
    return true;
}

} // namespace memoscope
