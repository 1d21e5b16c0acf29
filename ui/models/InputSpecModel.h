#pragma once
// The input editor's rows, one per model input, in the CLI's syntax: SHAPE[:DTYPE][:LOW..HIGH] split over
// three cells, or the path of a tensor file in the Shape cell. Every row is checked by InputSpec::parse, the
// CLI's own parser, so the editor accepts exactly what `--input` accepts.

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
    };

    explicit InputSpecModel(QObject* parent = nullptr);

    void setSpecs(const QStringList& specs);
    void clearData();
    QStringList specs() const; // one spec text per row, as `--input` takes it

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
    bool insertRows(int row, int count, const QModelIndex& parent = {}) override; // new rows: "1:float32"
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

Q_SIGNALS:
    void validityChanged(bool valid);

private:
    struct Row {
        QString shape; // or a file path
        QString dtype; // empty: the parser's default
        QString range; // "LOW..HIGH" or empty
        QString error; // from InputSpec::parse; empty when valid
        bool file = false; // a tensor file rather than a shape: no type or range of its own
        QString text() const;
    };
    static Row rowFromSpec(const QString& spec);
    static void validate(Row* row);
    void updateValidity();

    QVector<Row> m_rows;
    bool m_valid = true;
};

} // namespace memoscope
