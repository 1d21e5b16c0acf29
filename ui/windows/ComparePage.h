#pragma once
// Runs side by side: their timelines overlaid and a table of metrics with differences against the first.

#include "ui/jobs/RunLoader.h"

#include <QWidget>

class QLabel;
class QTableView;

namespace memoscope {

class CompareModel;
class CompareTimelineView;

class ComparePage : public QWidget {
    Q_OBJECT
public:
    explicit ComparePage(QWidget* parent = nullptr);
    void showRuns(const QVector<LoadedRunPtr>& runs);
    CompareModel* metrics() const { return m_metrics; }
    CompareTimelineView* timelines() const { return m_timelines; }
    QVector<qint64> runIds() const;

private:
    QVector<LoadedRunPtr> m_runs;
    QLabel* m_title;
    CompareTimelineView* m_timelines;
    CompareModel* m_metrics;
    QTableView* m_table;
};

} // namespace memoscope
