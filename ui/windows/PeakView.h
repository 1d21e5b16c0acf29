#pragma once
// What is alive at the peak moment, by category and by layer: a bar chart above a table, one tab each.

#include "core/Store.h"

#include <QWidget>

class QTableView;
class QTabWidget;

namespace memoscope {

class BarChart;
class PeakModel;

class PeakView : public QWidget {
    Q_OBJECT
public:
    explicit PeakView(QWidget* parent = nullptr);
    void setRun(const StoredRun& run);
    void clear();
    PeakModel* byCategory() const { return m_byCategory; }
    PeakModel* byLayer() const { return m_byLayer; }

Q_SIGNALS:
    void layerSelected(qint32 layerId);

private:
    QWidget* makeTab(PeakModel* model, BarChart* chart, QTableView** table);
    void redrawCharts();

    PeakModel* m_byCategory;
    PeakModel* m_byLayer;
    BarChart* m_categoryChart;
    BarChart* m_layerChart;
    QTableView* m_layerTable = nullptr;
    QTabWidget* m_tabs;
};

} // namespace memoscope
