#pragma once
// A run's live memory over time: a stacked area chart (by top-level layer, category or phase) in front of
// bands marking each phase span, with the peak marked. A thin view: TimelineResampler reduces the Timeline to
// the visible range and the plot's pixel width on a worker thread; this class only draws its newest result
// and turns mouse gestures into zoom, pan, range selection, tooltips and clicks on layers.
//
// Mouse: wheel zooms time, left-drag pans, shift+left-drag selects a range (the change over it is shown and
// rangeSelected emitted), hovering shows the moment under the cursor, a click emits layerClicked.

#include "QCustomPlotInclude.h"
#include "core/Run.h"
#include "core/Timeline.h"

#include <QTimer>
#include <QWidget>
#include <memory>

namespace memoscope {

struct LevelOfDetail;
class PeakMarker;
class PhaseBands;
class StackedAreaGraph;
class TimelineResampler;

class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);
    ~TimelineView() override;

    // nullptr clears. Shows the whole run; the peak marker comes from the metrics.
    void setTimeline(std::shared_ptr<const Timeline> timeline, const RunMetrics& metrics);
    void setStackBy(StackBy by);
    StackBy stackBy() const;
    // Outlines a layer's own live bytes (children included) and emphasises its top-level band; -1 clears.
    void highlightLayer(qint32 layerId);
    void setVisibleRange(qint64 fromNs, qint64 toNs);
    void resetZoom();

    QCustomPlot* plot() const;
    // Points along the time axis in the level of detail drawn now (each series has this many): at most the
    // plot's width in pixels plus the two range edges, however many events the run has.
    int drawnPointCount() const;

Q_SIGNALS:
    void layerClicked(qint32 layerId); // the layer running at the clicked time, -1 when none was
    void rangeSelected(qint64 fromNs, qint64 toNs);
    void levelOfDetailDrawn(); // each time a resampled level of detail has been drawn

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildSeries();
    void styleSeries();
    void updateLegend();
    void scheduleLevelOfDetail();
    void requestLevelOfDetail();
    void drawLevelOfDetail(const LevelOfDetail& levelOfDetail);
    void onRangeChanged(const QCPRange& range);
    void onMousePress(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    void onRangeDragged(const QRect& pixels);
    void showSelection(qint64 fromNs, qint64 toNs);
    void placeChangeText();
    void clearSelection();
    void hideCursor();
    qint64 timeAt(int x) const;
    double endMs() const;

    QCustomPlot* m_plot;
    TimelineResampler* m_resampler;
    QTimer m_debounce; // coalesces the range and size changes of a wheel turn or a drag into one request
    PhaseBands* m_bands; // owned by the plot
    std::unique_ptr<PeakMarker> m_peak;
    QCPItemRect* m_selection;
    QCPItemText* m_changeText;
    QCPItemStraightLine* m_cursor;

    std::shared_ptr<const Timeline> m_timeline;
    StackBy m_stackBy = StackBy::Layer;
    qint32 m_highlightLayer = -1;
    QVector<StackedAreaGraph*> m_series; // bottom of the stack first
    QVector<bool> m_seriesHasBytes; // in the drawn range: only those get a legend entry
    QCPGraph* m_outline = nullptr;
    qint64 m_selectionFromNs = -1;
    qint64 m_selectionToNs = -1;
    QPoint m_pressPos;
    int m_drawnPoints = 0;
};

} // namespace memoscope
