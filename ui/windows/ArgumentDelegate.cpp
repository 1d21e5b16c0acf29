#include "ArgumentDelegate.h"

#include "core/InputSpec.h"
#include "ui/models/InputSpecModel.h"

#include <QComboBox>
#include <QDoubleValidator>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QToolButton>

namespace memoscope {

namespace {
    // A line with the list's spec and a button that edits it one element per line.
    class ListEditor : public QWidget {
    public:
        explicit ListEditor(QWidget* parent)
            : QWidget(parent)
            , m_line(new QLineEdit(this))
        {
            setObjectName(QStringLiteral("listEditor"));
            auto* more = new QToolButton(this);
            more->setText(QStringLiteral("…"));
            more->setToolTip(tr("Edit the list one tensor per line"));
            auto* layout = new QHBoxLayout(this);
            layout->setContentsMargins(0, 0, 0, 0);
            layout->setSpacing(0);
            layout->addWidget(m_line);
            layout->addWidget(more);
            setFocusProxy(m_line);
            connect(more, &QToolButton::clicked, this, [this] {
                bool ok = false;
                const QString lines = QInputDialog::getMultiLineText(this, tr("List of tensors"),
                    tr("One tensor per line (SHAPE[:DTYPE][:LOW..HIGH] or a file), e.g. 3x320x320:"),
                    listElements(m_line->text()).join(QLatin1Char('\n')), &ok);
                if (ok)
                    m_line->setText(listSpec(lines.split(QLatin1Char('\n'), Qt::SkipEmptyParts)));
            });
        }
        QLineEdit* line() const { return m_line; }

    private:
        QLineEdit* m_line;
    };
}

QStringList listElements(const QString& spec)
{
    QString error;
    const std::optional<InputSpec> parsed = InputSpec::parse(spec, &error);
    if (!parsed || parsed->kind != InputSpec::Kind::List)
        return spec.isEmpty() ? QStringList() : QStringList { spec };
    QStringList elements;
    for (const InputSpec& element : parsed->elements)
        elements << element.toString();
    return elements;
}

QString listSpec(const QStringList& elements)
{
    QStringList trimmed;
    for (const QString& element : elements)
        if (!element.trimmed().isEmpty())
            trimmed << element.trimmed();
    return QLatin1Char('[') + trimmed.join(QLatin1Char(',')) + QLatin1Char(']');
}

QWidget* ArgumentDelegate::createEditor(
    QWidget* parent, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QString kind = index.data(InputSpecModel::EditorRole).toString();
    if (index.column() != InputSpecModel::ShapeColumn)
        return QStyledItemDelegate::createEditor(parent, option, index);
    if (kind == QLatin1String("bool")) {
        auto* combo = new QComboBox(parent);
        combo->addItems({ QStringLiteral("true"), QStringLiteral("false") });
        return combo;
    }
    if (kind == QLatin1String("list"))
        return new ListEditor(parent);
    auto* line = new QLineEdit(parent);
    if (kind == QLatin1String("int"))
        line->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[-+]?\\d{0,19}")), line));
    else if (kind == QLatin1String("float"))
        line->setValidator(new QRegularExpressionValidator(
            QRegularExpression(QStringLiteral("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d{0,3})?")), line));
    return line;
}

void ArgumentDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const
{
    const QString value = index.data(Qt::EditRole).toString();
    if (auto* combo = qobject_cast<QComboBox*>(editor))
        combo->setCurrentText(value);
    else if (auto* list = dynamic_cast<ListEditor*>(editor))
        list->line()->setText(value);
    else if (auto* line = qobject_cast<QLineEdit*>(editor))
        line->setText(value);
    else
        QStyledItemDelegate::setEditorData(editor, index);
}

void ArgumentDelegate::setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const
{
    if (auto* combo = qobject_cast<QComboBox*>(editor))
        model->setData(index, combo->currentText());
    else if (auto* list = dynamic_cast<ListEditor*>(editor))
        model->setData(index, list->line()->text());
    else if (auto* line = qobject_cast<QLineEdit*>(editor))
        model->setData(index, line->text());
    else
        QStyledItemDelegate::setModelData(editor, model, index);
}

} // namespace memoscope
