#pragma once
// The input editor's rows, one per argument of the model's forward when its signature is known (otherwise one per
// input, added and removed freely), in the CLI's syntax. A tensor row splits SHAPE[:DTYPE][:LOW..HIGH] over
// three cells (or holds a tensor file); an int, float, bool or str row holds the bare value; a list, tuple or
// dict row holds its spec. Every row is checked by InputSpec::parse and, with a signature, specFits: the CLI's
// own checks, so the editor accepts exactly what `--input` accepts. Arguments with defaults may stay empty.

#include "core/ModelSignature.h"

#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>

namespace memoscope {

class InputSpecModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { ShapeColumn, TypeColumn, RangeColumn, NUM_COLUMNS };
    enum Roles {
        SortRole = Qt::UserRole,
        SpecRole, // the row's whole spec text
        EditorRole, // which editor the value cell wants: "tensor", "int", "float", "bool", "str", "list" or "spec"
    };

    explicit InputSpecModel(QObject* parent = nullptr);

    void setSpecs(const QStringList& specs); // rows without a signature
    // One row per argument, filled from `specs` in order; arguments past them get an always-valid value for a
    // scalar, stay empty when they have a default, and hold SHAPE otherwise (to be filled in).
    void setSignature(const ModelSignature& signature, const QStringList& specs);
    bool hasSignature() const { return m_signature.has_value(); }
    void clearData();
    QStringList specs() const; // one spec text per row given, as `--input` takes it; empty trailing rows left out

    bool isValid() const;
    QString errorText() const; // "Input N: ..." for the first invalid row; empty when all are valid

    int batchSize() const; // the first dimension of the first shape row; 0 if there is none
    void setBatchSize(int batchSize); // file rows keep their file

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    // New rows: "1:float32". Not with a signature: its rows are the arguments.
    bool insertRows(int row, int count, const QModelIndex& parent = {}) override;
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

Q_SIGNALS:
    void validityChanged(bool valid);

private:
    struct Row {
        QString shape; // or a file path, a scalar's bare value, a container's spec
        QString dtype; // empty: the parser's default
        QString range; // "LOW..HIGH" or empty
        QString error; // from InputSpec::parse and specFits; empty when valid
        bool file = false; // a tensor file rather than a shape: no type or range of its own
        std::optional<ModelArgument> argument; // with a signature
        QString editor = QStringLiteral("tensor"); // see EditorRole
        QString text() const;
    };
    static Row rowFromSpec(const QString& spec, const std::optional<ModelArgument>& argument = std::nullopt);
    static void validate(Row* row);
    void updateValidity();

    QString orderError() const; // an empty argument before one that has a value

    QVector<Row> m_rows;
    std::optional<ModelSignature> m_signature;
    bool m_valid = true;
};

} // namespace memoscope
