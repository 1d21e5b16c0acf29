#pragma once
// Runs side by side: their timelines overlaid (aligned by phase, or in real time), a table of metrics with
// differences against the first, and what changed layer by layer between any two of them.

#include "ui/jobs/RunLoader.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QTableView;

namespace memoscope {

class CompareModel;
class CompareTimelineView;
class LayerDiffModel;

class ComparePage : public QWidget {
    Q_OBJECT
public:
    explicit ComparePage(QWidget* parent = nullptr);
    void showRuns(const QVector<LoadedRunPtr>& runs);
    CompareModel* metrics() const { return m_metrics; }
    QString timingNote() const;
    CompareTimelineView* timelines() const { return m_timelines; }
    LayerDiffModel* layerDifferences() const { return m_layerDiff; }
    // Which runs the layer table compares: B minus A, indexes into the runs shown.
    void compareLayers(int runA, int runB);
    QVector<qint64> runIds() const;
    const QVector<LoadedRunPtr>& runs() const { return m_runs; }

private:
    QWidget* createLayerDiffTab();
    void updateLayerDiff();

    QVector<LoadedRunPtr> m_runs;
    QLabel* m_title;
    QCheckBox* m_alignPhases;
    CompareTimelineView* m_timelines;
    CompareModel* m_metrics;
    QTableView* m_table;
    LayerDiffModel* m_layerDiff;
    QComboBox* m_runA;
    QComboBox* m_runB;
    QLabel* m_layerDiffNote;
    QLabel* m_timingNote; // when the runs were measured at different times
};

} // namespace memoscope
