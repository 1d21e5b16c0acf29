#pragma once
// Several runs' total live memory overlaid on one time axis: one line per run in its own colour, each
// marked at its peak, each resampled to the visible range on its own worker job. Time runs from each run's
// start, or (aligned by phase) each run's phases are laid onto the first run's, whose phase bands are drawn
// behind. Every mapping between a run's time and the shared axis goes through RunTrack::toAxisMs and toRunNs.

#include "QCustomPlotInclude.h"
#include "core/Timeline.h"

#include <QTimer>
#include <QWidget>
#include <memory>
#include <vector>

namespace memoscope {

struct LevelOfDetail;
class PeakMarker;
class PhaseBands;
class TimelineResampler;

class CompareTimelineView : public QWidget {
    Q_OBJECT
public:
    explicit CompareTimelineView(QWidget* parent = nullptr);
    ~CompareTimelineView() override;

    void setRuns(const QVector<std::shared_ptr<const Timeline>>& runs, const QStringList& names);
    void setAlignedByPhase(bool aligned);
    bool alignedByPhase() const { return m_alignedByPhase; }
    // Where a run's moment sits on the shared axis, in ms (for tests and tooltips).
    double axisMsOf(int run, qint64 runNs) const;
    void setVisibleRange(qint64 fromNs, qint64 toNs);
    void resetZoom();

    QCustomPlot* plot() const;

Q_SIGNALS:
    void levelOfDetailDrawn(); // each time every run's newest level of detail has been drawn

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct RunTrack;
    void scheduleLevelOfDetail();
    void requestLevelOfDetail();
    void drawLevelOfDetail(RunTrack* track, const LevelOfDetail& levelOfDetail);
    void onRangeChanged(const QCPRange& range);
    void onMouseMove(QMouseEvent* event);
    double endMs() const;
    void placeRuns(); // after the runs or the alignment change

    QCustomPlot* m_plot;
    PhaseBands* m_bands;
    QTimer m_debounce;
    bool m_alignedByPhase = true;
    std::vector<std::unique_ptr<RunTrack>> m_tracks;
};

} // namespace memoscope
