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

    // The editor a value of this type wants: a number field for int, a list editor for List[Tensor], ...
    QString editorFor(const ArgumentType& type)
    {
        using Kind = ArgumentType::Kind;
        switch (type.kind) {
        case Kind::Int:
        case Kind::Float:
        case Kind::Bool:
        case Kind::Str:
            return type.toString(); // the scalar's own name, which is also its spec's prefix (int:16000)
        case Kind::Tensor:
        case Kind::Any:
            return QStringLiteral("tensor");
        case Kind::Optional:
            return type.elements.first().kind == Kind::Tensor ? QStringLiteral("tensor") : QStringLiteral("spec");
        case Kind::List:
            return type.elements.first().kind == Kind::Tensor ? QStringLiteral("list") : QStringLiteral("spec");
        default:
            return QStringLiteral("spec");
        }
    }

    // A scalar's bare value as its cell shows it ("16000" for int:16000); empty when the spec is not one.
    std::optional<QString> bareValue(const QString& spec, const QString& editor)
    {
        QString error;
        const std::optional<InputSpec> parsed = InputSpec::parse(spec, &error);
        if (!parsed)
            return std::nullopt;
        if (editor == QLatin1String("str") && parsed->kind == InputSpec::Kind::Str)
            return parsed->text;
        const QString prefix = editor + QLatin1Char(':');
        if (spec.startsWith(prefix) && parsed->toString().startsWith(prefix))
            return parsed->toString().mid(prefix.size());
        return std::nullopt;
    }
}

QString InputSpecModel::Row::text() const
{
    if (editor == QLatin1String("int") || editor == QLatin1String("float") || editor == QLatin1String("bool"))
        return shape.isEmpty() ? QString() : editor + QLatin1Char(':') + shape;
    if (editor == QLatin1String("str")) {
        if (shape.isEmpty() && argument && argument->hasDefault)
            return QString();
        InputSpec text { InputSpec::Kind::Str };
        text.text = shape;
        return text.toString();
    }
    if (editor != QLatin1String("tensor"))
        return shape;
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
InputSpecModel::Row InputSpecModel::rowFromSpec(const QString& spec, const std::optional<ModelArgument>& argument)
{
    Row row;
    row.argument = argument;
    row.editor = argument ? editorFor(argument->type) : QStringLiteral("tensor");
    const QString text = spec.trimmed();
    if (row.editor != QLatin1String("tensor")) {
        const std::optional<QString> value = row.editor == QLatin1String("list") || row.editor == QLatin1String("spec")
            ? std::optional<QString>(text)
            : bareValue(text, row.editor);
        row.shape = value ? *value : text;
        // Not a value of this type: shown whole, so that the error names what was given. An empty cell (an
        // argument left to its default) keeps its editor, so a value typed later is read as its type.
        if (!value && !text.isEmpty())
            row.editor = QStringLiteral("spec");
        validate(&row);
        return row;
    }
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
        row.shape = text;
        row.dtype.clear();
        row.range.clear();
    }
    validate(&row);
    return row;
}

void InputSpecModel::validate(Row* row)
{
    // Decided here rather than on every paint: it may look at the disk.
    row->file = row->editor == QLatin1String("tensor") && row->dtype.isEmpty() && row->range.isEmpty()
        && looksLikeFile(row->shape);
    const QString text = row->text();
    row->error.clear();
    if (text.isEmpty() && row->argument && row->argument->hasDefault)
        return; // left out: forward uses its default
    QString error;
    const std::optional<InputSpec> spec = InputSpec::parse(text, &error);
    QString why;
    if (!spec)
        row->error = error;
    else if (row->argument && !specFits(*spec, row->argument->type, &why))
        row->error = QStringLiteral("argument '%1' %2").arg(row->argument->name, why);
}

void InputSpecModel::setSignature(const ModelSignature& signature, const QStringList& specs)
{
    beginResetModel();
    m_signature = signature;
    m_rows.clear();
    for (int i = 0; i < signature.arguments.size(); ++i) {
        const ModelArgument& argument = signature.arguments[i];
        const QString fallback = argument.hasDefault ? QString()
            : defaultSpecFor(argument.type).isEmpty() ? QStringLiteral("SHAPE")
                                                      : defaultSpecFor(argument.type);
        m_rows.append(rowFromSpec(i < specs.size() ? specs[i] : fallback, argument));
    }
    endResetModel();
    updateValidity();
}

QString InputSpecModel::orderError() const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (!m_rows[i].text().isEmpty())
            continue;
        for (int later = i + 1; later < m_rows.size(); ++later)
            if (!m_rows[later].text().isEmpty())
                return QStringLiteral("argument '%1' needs a value, because '%2' after it has one (its default is %3)")
                    .arg(m_rows[i].argument ? m_rows[i].argument->name : QString::number(i + 1),
                        m_rows[later].argument ? m_rows[later].argument->name : QString::number(later + 1),
                        m_rows[i].argument ? m_rows[i].argument->defaultValue : QString());
    }
    return QString();
}

InputSpecModel::InputSpecModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void InputSpecModel::setSpecs(const QStringList& specs)
{
    beginResetModel();
    m_signature.reset();
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
    while (!result.isEmpty() && result.last().isEmpty())
        result.removeLast();
    return result;
}

bool InputSpecModel::isValid() const { return m_valid; }

QString InputSpecModel::errorText() const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (!m_rows[i].error.isEmpty())
            return m_rows[i].argument ? m_rows[i].error : QStringLiteral("Input %1: %2").arg(i + 1).arg(m_rows[i].error);
    return orderError();
}

int InputSpecModel::batchSize() const
{
    for (const Row& row : m_rows) {
        if (row.file || row.editor != QLatin1String("tensor"))
            continue;
        return leadingSize().match(row.shape).captured().toInt();
    }
    return 0;
}

void InputSpecModel::setBatchSize(int batchSize)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        Row& row = m_rows[i];
        if (row.file || row.editor != QLatin1String("tensor") || !leadingSize().match(row.shape).hasMatch())
            continue;
        row.shape.replace(leadingSize(), QString::number(batchSize));
        validate(&row);
        Q_EMIT dataChanged(index(i, 0), index(i, NUM_COLUMNS - 1));
    }
    updateValidity();
}

void InputSpecModel::updateValidity()
{
    bool valid = orderError().isEmpty();
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
            if (row.editor != QLatin1String("tensor"))
                return QString();
            return role == Qt::DisplayRole && row.dtype.isEmpty() && !row.file && row.shape != QLatin1String("none")
                ? QStringLiteral("float32")
                : row.dtype;
        case RangeColumn:
            return row.range;
        }
        return {};
    case SpecRole:
        return row.text();
    case EditorRole:
        return row.editor;
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
    if (orientation == Qt::Vertical) {
        if (section < 0 || section >= m_rows.size())
            return {};
        if (const std::optional<ModelArgument>& argument = m_rows[section].argument)
            return QStringLiteral("%1: %2%3").arg(argument->name, argument->type.toString(),
                argument->hasDefault ? QStringLiteral(" = ") + argument->defaultValue : QString());
        return QStringLiteral("Input %1").arg(section + 1);
    }
    switch (section) {
    case ShapeColumn:
        return m_signature ? QStringLiteral("Shape, value or file") : QStringLiteral("Shape or file");
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
    const Row& row = m_rows[index.row()];
    if (index.column() == ShapeColumn || (!row.file && row.editor == QLatin1String("tensor")))
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
        if (row.editor != QLatin1String("tensor")) {
            row.shape = row.editor == QLatin1String("str") ? value.toString() : text;
        } else if (looksLikeFile(text)) {
            row.dtype.clear(); // a file carries its own types and values
            row.range.clear();
            row.shape = text;
        } else if (text.contains(QLatin1Char(':')))
            row = rowFromSpec(text, row.argument); // a whole spec pasted into the Shape cell
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
    if (parent.isValid() || row < 0 || row > m_rows.size() || count < 1 || m_signature)
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
    if (parent.isValid() || row < 0 || count < 1 || row + count > m_rows.size() || m_signature)
        return false;
    beginRemoveRows(parent, row, row + count - 1);
    m_rows.remove(row, count);
    endRemoveRows();
    updateValidity();
    return true;
}

} // namespace memoscope
