#pragma once
// The chart model behind the timeline views: turns a Timeline into what QCustomPlot draws for one visible
// range and pixel width, on a worker thread. Requests supersede each other: at most one job runs at a time,
// and only the result of the newest request is delivered (a generation counter drops the others), so
// zooming quickly never queues up work or draws a stale range.

#include "QCustomPlotInclude.h"
#include "core/Timeline.h"

#include <QFutureWatcher>
#include <QObject>
#include <memory>
#include <optional>

namespace memoscope {

struct LevelOfDetailRequest {
    std::shared_ptr<const Timeline> timeline;
    StackBy by = StackBy::Layer;
    qint64 fromNs = 0;
    qint64 toNs = 0;
    int buckets = 1; // the plot's width in pixels: one point (the bucket's highest) per pixel column
    bool stacked = true; // false: the total only
    qint32 layerId = -1; // also sample this layer's own live bytes (children included); -1 for none
    bool findPeak = false; // also find the run's highest total over the whole run
};

struct LevelOfDetail {
    quint64 generation = 0;
    LevelOfDetailRequest request;
    QStringList seriesNames;
    // [series]: the top edge of each series' band (its bytes plus those of the series below), keys in ms.
    QVector<QVector<QCPGraphData>> stackedSeries;
    QVector<bool> seriesHasBytes; // anywhere in the range
    QVector<QCPGraphData> total;
    QVector<QCPGraphData> layer; // when request.layerId >= 0
    double maxBytes = 0; // the highest total, or highlighted layer, in the range
    qint64 peakTimeNs = 0; // when request.findPeak
    qint64 peakBytes = 0;
};

// Pure: safe on any thread (Timeline is immutable).
LevelOfDetail computeLevelOfDetail(const LevelOfDetailRequest& request);

inline double nsToMs(qint64 ns) { return double(ns) / 1e6; }
inline qint64 msToNs(double ms) { return qint64(std::llround(ms * 1e6)); }

class TimelineResampler : public QObject {
    Q_OBJECT
public:
    explicit TimelineResampler(QObject* parent = nullptr);

    // Supersedes every earlier request; their results are dropped.
    void request(LevelOfDetailRequest request);
    // Drops the results of everything requested so far.
    void cancel();
    bool isBusy() const; // a request is running or waiting

Q_SIGNALS:
    void ready(const LevelOfDetail& levelOfDetail);

private:
    void startPending();
    void onFinished();

    QFutureWatcher<LevelOfDetail> m_watcher;
    std::optional<LevelOfDetailRequest> m_pending;
    quint64 m_generation = 0;
    bool m_running = false; // our own flag: the watcher reports "not running" before its finished signal arrives
};

} // namespace memoscope

Q_DECLARE_METATYPE(memoscope::LevelOfDetail)
