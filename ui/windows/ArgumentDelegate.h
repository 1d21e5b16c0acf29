#pragma once
// The run dialog's editor for an argument's value, chosen by its type (InputSpecModel::EditorRole): a number
// field for int and float, true/false for bool, a list editor (one tensor per line) for List[Tensor], and text
// for the rest. What the editors accept is still checked by the model, as the CLI checks it.

#include <QStyledItemDelegate>

namespace memoscope {

class ArgumentDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    void setEditorData(QWidget* editor, const QModelIndex& index) const override;
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;
};

// A List[Tensor] value, "[3x320x320,3x240x320]", edited one element per line; and back.
QStringList listElements(const QString& spec);
QString listSpec(const QStringList& elements);

} // namespace memoscope
