#pragma once
// Runs side by side, one row per metric: the first run is the baseline, each later run also gets a column
// with its difference from the baseline, coloured by whether the change is an improvement (judgeChange: a change
// below 1 % of the baseline, or a time inside the runs' spread, is not coloured).

#include "core/Store.h"
#include "core/compare/ChangeVerdict.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QString>
#include <QVector>
#include <functional>
#include <optional>

namespace memoscope {

// A row of the comparison. To compare a new figure, add an entry to CompareModel::metrics().
struct CompareMetric {
    enum class Format {
        Bytes,
        Milliseconds,
        Percent, // the value is a fraction, 0..1; differences are shown in percentage points
        Count,
    };
    QString name;
    QString description;
    // NaN when the run has no such figure (for example a measurement added after the run was made). The runs
    // compared are there for figures one run holds about another (an optimization measures its original).
    std::function<double(const StoredRun& run, const QVector<StoredRun>& compared)> value;
    bool lowerIsBetter = true;
    Format format = Format::Bytes;
    // The figure is the median iteration time: each run shows its spread, and a difference inside the runs'
    // spreads is "within noise" rather than a change.
    bool iterationTime = false;
};

class CompareModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // The columns after MetricColumn depend on the number of runs: runColumn() and deltaColumn() say where.
    enum Columns { MetricColumn, FirstRunColumn };
    enum Roles {
        SortRole = Qt::UserRole, // the raw number: a value, a difference, or the metric's position
    };

    explicit CompareModel(QObject* parent = nullptr);

    static const QVector<CompareMetric>& metrics();
    static QColor improvementColor();
    static QColor regressionColor();
    // The background of a difference judged so: none for a change that is not one.
    static QVariant changeBrush(ChangeVerdict verdict);

    // The first run is the baseline.
    void resetData(const QVector<StoredRun>& runs);
    void clearData();

    int runCount() const;
    int runColumn(int runIndex) const;
    int deltaColumn(int runIndex) const; // runIndex >= 1: the baseline has no difference column

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct RunColumn {
        qint64 id = -1;
        QString label; // "#12 resnet18.pt"
        QString toolTip;
        QVector<double> values; // one per metric
        std::optional<IterationSpread> spread;
    };
    QVariant runCell(int metric, int runIndex, int role) const;
    QVariant deltaCell(int metric, int runIndex, int role) const;
    ChangeVerdict verdict(int metric, int runIndex) const;

    QVector<RunColumn> m_runs;
};

} // namespace memoscope
