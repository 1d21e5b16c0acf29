#include "CompareTimelineView.h"

#include "ChartColors.h"
#include "ChartStyle.h"
#include "PeakMarker.h"
#include "PhaseBands.h"
#include "TimelineResampler.h"
#include "TimelineText.h"
#include "core/ByteFormat.h"
#include "core/PhaseAlignment.h"

#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

namespace memoscope {

namespace {
    constexpr int debounceMs = 30;
    constexpr double headroom = 1.18;
}

// One run on the shared axis.
struct CompareTimelineView::RunTrack {
    std::shared_ptr<const Timeline> timeline;
    QString name;
    QCPGraph* graph = nullptr;
    std::unique_ptr<TimelineResampler> resampler;
    std::unique_ptr<PeakMarker> peak;
    bool peakKnown = false;
    double maxBytes = 0; // in the drawn level of detail
    TimeWarp warp; // the identity unless aligned by phase

    double toAxisMs(qint64 runNs) const { return warp.toAxisNs(double(runNs)) / 1e6; }
    qint64 toRunNs(double axisMs) const { return qint64(std::llround(warp.toRunNs(axisMs * 1e6))); }
    double endAxisMs() const { return toAxisMs(timeline->endNs()); }
};

CompareTimelineView::CompareTimelineView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_bands(new PhaseBands(m_plot))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    styleTimePlot(m_plot);
    m_plot->yAxis->setLabel(QStringLiteral("live memory (total)"));
    m_plot->addLayer(QStringLiteral("markers"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &CompareTimelineView::requestLevelOfDetail);
    connect(
        m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &CompareTimelineView::onRangeChanged);
    connect(m_plot, &QCustomPlot::mouseMove, this, &CompareTimelineView::onMouseMove);
    m_plot->installEventFilter(this);
    m_plot->setMouseTracking(true);
}

CompareTimelineView::~CompareTimelineView() = default;

QCustomPlot* CompareTimelineView::plot() const { return m_plot; }

double CompareTimelineView::endMs() const
{
    double end = 0;
    for (const auto& track : m_tracks)
        end = std::max(end, track->endAxisMs());
    return std::max(end, 1e-3);
}

void CompareTimelineView::setRuns(const QVector<std::shared_ptr<const Timeline>>& runs, const QStringList& names)
{
    m_debounce.stop();
    m_tracks.clear();
    m_plot->clearGraphs();
    m_plot->legend->clearItems();
    for (int i = 0; i < runs.size(); ++i) {
        if (!runs[i])
            continue;
        auto track = std::make_unique<RunTrack>();
        track->timeline = runs[i];
        track->name = names.value(i, QStringLiteral("run %1").arg(i + 1));
        const QColor colour = seriesColor(i, int(runs.size()));
        track->graph = m_plot->addGraph();
        track->graph->setName(track->name);
        track->graph->setLineStyle(QCPGraph::lsStepLeft);
        track->graph->setPen(QPen(colour, 1.6));
        track->graph->setSelectable(QCP::stNone);
        track->resampler = std::make_unique<TimelineResampler>();
        track->peak = std::make_unique<PeakMarker>(m_plot, colour.darker(110));
        RunTrack* raw = track.get();
        connect(track->resampler.get(), &TimelineResampler::ready, this,
            [this, raw](const LevelOfDetail& levelOfDetail) { drawLevelOfDetail(raw, levelOfDetail); });
        m_tracks.push_back(std::move(track));
    }
    placeRuns();
}

void CompareTimelineView::setAlignedByPhase(bool aligned)
{
    if (aligned == m_alignedByPhase)
        return;
    m_alignedByPhase = aligned;
    placeRuns();
}

void CompareTimelineView::placeRuns()
{
    const QVector<PhaseSpan>* reference = m_tracks.empty() ? nullptr : &m_tracks.front()->timeline->trace().phases;
    for (const auto& track : m_tracks) {
        track->warp = m_alignedByPhase ? alignPhases(*reference, track->timeline->trace().phases) : TimeWarp();
        track->graph->data()->clear();
        track->peakKnown = false; // its marker moves with the warp: found again with the next level of detail
    }
    if (m_alignedByPhase && reference)
        m_bands->setSpans(*reference, m_tracks.front()->timeline->endNs());
    else
        m_bands->clear();
    m_plot->yAxis->setRange(0, 1024);
    const QCPRange whole(0, endMs());
    if (m_plot->xAxis->range() == whole)
        scheduleLevelOfDetail();
    m_plot->xAxis->setRange(whole);
    m_plot->replot();
}

double CompareTimelineView::axisMsOf(int run, qint64 runNs) const
{
    return run >= 0 && run < int(m_tracks.size()) ? m_tracks[size_t(run)]->toAxisMs(runNs) : nsToMs(runNs);
}

void CompareTimelineView::setVisibleRange(qint64 fromNs, qint64 toNs)
{
    m_plot->xAxis->setRange(nsToMs(fromNs), nsToMs(toNs));
    m_plot->replot();
}

void CompareTimelineView::resetZoom()
{
    m_plot->xAxis->setRange(0, endMs());
    m_plot->replot();
}

void CompareTimelineView::onRangeChanged(const QCPRange& range)
{
    if (m_tracks.empty())
        return;
    const QCPRange clamped = clampTimeRange(range, endMs());
    if (clamped != range) {
        m_plot->xAxis->setRange(clamped);
        return;
    }
    for (const auto& track : m_tracks)
        track->peak->updatePlacement();
    scheduleLevelOfDetail();
}

void CompareTimelineView::scheduleLevelOfDetail()
{
    if (!m_tracks.empty())
        m_debounce.start();
}

void CompareTimelineView::requestLevelOfDetail()
{
    const QCPRange range = m_plot->xAxis->range();
    const int width = m_plot->axisRect()->width();
    for (const auto& track : m_tracks) {
        // The part of the visible range this run covers, in its own time.
        const qint64 end = std::max<qint64>(track->timeline->endNs(), 1);
        LevelOfDetailRequest request;
        request.timeline = track->timeline;
        request.by = StackBy::Category;
        request.stacked = false;
        request.fromNs = std::clamp<qint64>(track->toRunNs(range.lower), 0, end - 1);
        request.toNs = std::clamp<qint64>(track->toRunNs(range.upper), request.fromNs + 1, end);
        request.buckets = width > 0 ? width : std::max(1, m_plot->width());
        request.findPeak = !track->peakKnown;
        track->resampler->request(request);
    }
}

void CompareTimelineView::drawLevelOfDetail(RunTrack* track, const LevelOfDetail& levelOfDetail)
{
    QVector<QCPGraphData> data = levelOfDetail.total;
    for (QCPGraphData& point : data)
        point.key = track->toAxisMs(msToNs(point.key));
    track->graph->data()->set(data, true);
    track->maxBytes = levelOfDetail.maxBytes;
    if (levelOfDetail.request.findPeak) {
        track->peakKnown = true;
        track->peak->show(track->toAxisMs(levelOfDetail.peakTimeNs), levelOfDetail.peakBytes);
    }
    for (const auto& other : m_tracks)
        if (other->resampler->isBusy())
            return; // draw once all runs are current, so the y range fits them all
    double highest = 0;
    for (const auto& other : m_tracks)
        highest = std::max(highest, other->maxBytes);
    m_plot->yAxis->setRange(0, std::max(highest * headroom, 1024.0));
    for (const auto& other : m_tracks)
        other->peak->updatePlacement();
    m_plot->replot();
    Q_EMIT levelOfDetailDrawn();
}

void CompareTimelineView::onMouseMove(QMouseEvent* event)
{
    if (m_tracks.empty() || event->buttons() != Qt::NoButton || !m_plot->axisRect()->rect().contains(event->pos()))
        return;
    const double axisMs = m_plot->xAxis->pixelToCoord(event->pos().x());
    QStringList lines;
    for (const auto& track : m_tracks) {
        const qint64 runNs = track->toRunNs(axisMs);
        if (runNs < 0 || runNs > track->timeline->endNs())
            continue;
        lines << QStringLiteral("%1: %2 at %3")
                     .arg(track->name, formatBytes(track->timeline->momentAt(runNs).liveBytes),
                         formatMilliseconds(runNs));
    }
    QToolTip::showText(event->globalPosition().toPoint(), lines.join(QLatin1Char('\n')), m_plot);
}

bool CompareTimelineView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot && event->type() == QEvent::Resize)
        scheduleLevelOfDetail();
    return QWidget::eventFilter(watched, event);
}

} // namespace memoscope
