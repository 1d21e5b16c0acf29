#pragma once
// One run: its timeline on top, the layer tree and what is alive at the peak below. Selecting a layer in
// the tree highlights it in the timeline; clicking the timeline selects the layer running then.

#include "ui/jobs/RunLoader.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QTreeView;

namespace memoscope {

class LayerTreeModel;
class PeakView;
class TimelineView;

class RunPage : public QWidget {
    Q_OBJECT
public:
    explicit RunPage(QWidget* parent = nullptr);
    void showRun(const LoadedRunPtr& run);
    LoadedRunPtr run() const { return m_run; }
    void setStackBy(StackBy by);
    void selectLayer(qint32 layerId);
    qint32 selectedLayer() const;

    TimelineView* timeline() const { return m_timeline; }
    LayerTreeModel* layers() const { return m_layers; }
    QTreeView* layerTree() const { return m_tree; }
    PeakView* peak() const { return m_peak; }

Q_SIGNALS:
    void layerSelected(qint32 layerId); // -1: none

private:
    QString summaryText() const;
    QString optimizationDetails() const; // which layers an optimization cut or skipped, and why: rich text

    LoadedRunPtr m_run;
    QLabel* m_summary;
    QComboBox* m_stackBy;
    TimelineView* m_timeline;
    LayerTreeModel* m_layers;
    QSortFilterProxyModel* m_sortedLayers;
    QTreeView* m_tree;
    PeakView* m_peak;
};

} // namespace memoscope
