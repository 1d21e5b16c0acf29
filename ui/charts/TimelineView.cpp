#include "TimelineView.h"

#include "ChartColors.h"
#include "ChartStyle.h"
#include "PeakMarker.h"
#include "PhaseBands.h"
#include "StackedAreaGraph.h"
#include "TimelineResampler.h"
#include "TimelineText.h"

#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

namespace memoscope {

namespace {
    constexpr int debounceMs = 30;
    constexpr double headroom = 1.18; // room above the highest point for the peak label
    constexpr int clickSlopPixels = 3; // QCustomPlot's own threshold between a click and a drag
    const QString markersLayer = QStringLiteral("markers");
    const QString cursorLayer = QStringLiteral("cursor");
}

TimelineView::TimelineView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_resampler(new TimelineResampler(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    styleTimePlot(m_plot);

    m_plot->addLayer(markersLayer, m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_plot->addLayer(cursorLayer, m_plot->layer(markersLayer), QCustomPlot::limAbove);
    // The hover line is redrawn on every mouse move: its own buffer spares replotting the data.
    m_plot->layer(cursorLayer)->setMode(QCPLayer::lmBuffered);
    m_bands = new PhaseBands(m_plot);
    m_peak = std::make_unique<PeakMarker>(m_plot, peakColor(), markersLayer);

    m_selection = new QCPItemRect(m_plot);
    m_selection->setObjectName(QStringLiteral("selectedRange"));
    m_selection->setLayer(markersLayer);
    m_selection->setPen(QPen(QColor(0x30, 0x60, 0xA0), 1, Qt::DashLine));
    m_selection->setBrush(QColor(0x30, 0x60, 0xA0, 36));
    for (QCPItemPosition* corner : { m_selection->topLeft, m_selection->bottomRight }) {
        corner->setTypeX(QCPItemPosition::ptPlotCoords);
        corner->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    m_changeText = new QCPItemText(m_plot);
    m_changeText->setObjectName(QStringLiteral("rangeChange"));
    m_changeText->setLayer(markersLayer);
    m_changeText->setTextAlignment(Qt::AlignLeft);
    m_changeText->setPadding(QMargins(6, 4, 6, 4));
    m_changeText->setBrush(QColor(255, 255, 255, 230));
    m_changeText->setPen(QPen(QColor(0x30, 0x60, 0xA0)));
    m_changeText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_changeText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_cursor = new QCPItemStraightLine(m_plot);
    m_cursor->setLayer(cursorLayer);
    m_cursor->setPen(QPen(QColor(0, 0, 0, 110), 1));
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*> { m_selection, m_changeText, m_cursor }) {
        item->setSelectable(false);
        item->setVisible(false);
    }

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &TimelineView::requestLevelOfDetail);
    connect(m_resampler, &TimelineResampler::ready, this, &TimelineView::drawLevelOfDetail);
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &TimelineView::onRangeChanged);
    connect(m_plot, &QCustomPlot::mousePress, this, &TimelineView::onMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, &TimelineView::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &TimelineView::onMouseRelease);
    connect(m_plot->selectionRect(), &QCPSelectionRect::accepted, this,
        [this](const QRect& rect, QMouseEvent*) { onRangeDragged(rect); });
    m_plot->installEventFilter(this);
    m_plot->setMouseTracking(true);
}

TimelineView::~TimelineView() = default;

QCustomPlot* TimelineView::plot() const { return m_plot; }

int TimelineView::drawnPointCount() const { return m_drawnPoints; }

StackBy TimelineView::stackBy() const { return m_stackBy; }

double TimelineView::endMs() const { return m_timeline ? nsToMs(std::max<qint64>(m_timeline->endNs(), 1)) : 1.0; }

void TimelineView::setTimeline(std::shared_ptr<const Timeline> timeline, const RunMetrics& metrics)
{
    m_resampler->cancel();
    m_debounce.stop();
    m_timeline = std::move(timeline);
    m_highlightLayer = -1; // layer ids belong to the previous run
    if (m_outline)
        m_plot->removeGraph(m_outline);
    m_outline = nullptr;
    m_drawnPoints = 0;
    clearSelection();
    hideCursor();
    rebuildSeries();
    if (!m_timeline) {
        m_bands->clear();
        m_peak->hide();
        m_plot->replot();
        return;
    }
    m_bands->setSpans(m_timeline->trace().phases, m_timeline->endNs());
    if (metrics.peakBytes > 0)
        m_peak->show(nsToMs(metrics.peakTimeNs), metrics.peakBytes);
    else
        m_peak->hide();
    m_plot->yAxis->setRange(0, std::max<double>(double(metrics.peakBytes) * headroom, 1024));
    const QCPRange whole(0, endMs());
    if (m_plot->xAxis->range() == whole)
        scheduleLevelOfDetail(); // setRange would not signal a change
    m_plot->xAxis->setRange(whole);
    m_plot->replot();
}

void TimelineView::setStackBy(StackBy by)
{
    if (by == m_stackBy)
        return;
    m_stackBy = by;
    rebuildSeries();
    if (m_selectionToNs >= 0)
        showSelection(m_selectionFromNs, m_selectionToNs); // the biggest changes are per series
    m_plot->replot();
    scheduleLevelOfDetail();
}

void TimelineView::highlightLayer(qint32 layerId)
{
    if (!m_timeline || layerId >= m_timeline->trace().layers.size())
        layerId = -1;
    if (layerId == m_highlightLayer)
        return;
    m_highlightLayer = layerId;
    if (layerId < 0) {
        if (m_outline)
            m_plot->removeGraph(m_outline);
        m_outline = nullptr;
    } else {
        if (!m_outline) {
            m_outline = new QCPGraph(m_plot->xAxis, m_plot->yAxis);
            m_outline->setObjectName(QStringLiteral("layerOutline"));
            m_outline->setLayer(markersLayer);
            m_outline->setLineStyle(QCPGraph::lsStepLeft);
            m_outline->setPen(QPen(QColor(0x20, 0x20, 0x20), 2.4));
            m_outline->setBrush(Qt::NoBrush);
        }
        m_outline->data()->clear(); // drawn once resampled for this layer
        m_outline->setName(m_timeline->trace().layers[layerId].displayPath() + QStringLiteral(" (own)"));
    }
    styleSeries();
    updateLegend();
    m_plot->replot();
    scheduleLevelOfDetail();
}

void TimelineView::setVisibleRange(qint64 fromNs, qint64 toNs)
{
    m_plot->xAxis->setRange(nsToMs(fromNs), nsToMs(toNs)); // onRangeChanged clamps and resamples
    m_plot->replot(QCustomPlot::rpQueuedReplot); // the resampled data follows within the debounce
}

void TimelineView::resetZoom() { setVisibleRange(0, m_timeline ? m_timeline->endNs() : 0); }

void TimelineView::rebuildSeries()
{
    for (QCPGraph* graph : std::as_const(m_series))
        m_plot->removeGraph(graph);
    m_series.clear();
    const int count = m_timeline ? m_timeline->seriesCount(m_stackBy) : 0;
    for (int s = 0; s < count; ++s) {
        auto* graph = new StackedAreaGraph(m_plot->xAxis, m_plot->yAxis);
        graph->setName(m_timeline->seriesName(m_stackBy, s));
        graph->setBelow(m_series.isEmpty() ? nullptr : m_series.back());
        graph->setSelectable(QCP::stNone);
        m_series << graph;
    }
    m_seriesHasBytes.fill(true, count);
    styleSeries();
    updateLegend();
}

void TimelineView::styleSeries()
{
    const int emphasised = m_timeline && m_highlightLayer >= 0 && m_stackBy == StackBy::Layer
        ? m_timeline->layerSeries(m_highlightLayer)
        : -1;
    // Bands are opaque (see StackedAreaGraph), so fading is a blend towards white.
    auto towardsWhite = [](const QColor& colour, double strength) {
        return QColor::fromRgbF(float(1 - strength * (1 - colour.redF())), float(1 - strength * (1 - colour.greenF())),
            float(1 - strength * (1 - colour.blueF())));
    };
    for (int s = 0; s < m_series.size(); ++s) {
        const QColor colour = stackColor(m_stackBy, s, int(m_series.size()));
        const bool faded = emphasised >= 0 && s != emphasised;
        m_series[s]->setBandBrush(towardsWhite(colour, faded ? 0.22 : (s == emphasised ? 1.0 : 0.8)));
        // Zoomed out, an edge on every band turns into a mesh of strokes: only the total and the emphasised
        // band get one.
        if (s == emphasised)
            m_series[s]->setPen(QPen(colour.darker(140), 1.5));
        else if (s == m_series.size() - 1)
            m_series[s]->setPen(QPen(QColor(0x40, 0x40, 0x40), 1));
        else
            m_series[s]->setPen(Qt::NoPen);
    }
}

void TimelineView::updateLegend()
{
    m_plot->legend->clearItems();
    if (m_outline)
        m_outline->addToLegend();
    // Top of the stack first, as the bands are drawn; series with nothing in view are left out.
    for (int s = int(m_series.size()) - 1; s >= 0; --s)
        if (m_seriesHasBytes.value(s, true))
            m_series[s]->addToLegend();
}

void TimelineView::scheduleLevelOfDetail()
{
    if (m_timeline)
        m_debounce.start();
}

void TimelineView::requestLevelOfDetail()
{
    if (!m_timeline)
        return;
    const QCPRange range = m_plot->xAxis->range();
    LevelOfDetailRequest request;
    request.timeline = m_timeline;
    request.by = m_stackBy;
    request.fromNs = std::max<qint64>(0, qint64(std::floor(range.lower * 1e6)));
    request.toNs = std::max(request.fromNs + 1, qint64(std::ceil(range.upper * 1e6)));
    const int width = m_plot->axisRect()->width();
    request.buckets = width > 0 ? width : std::max(1, m_plot->width());
    request.layerId = m_highlightLayer;
    m_resampler->request(request);
}

void TimelineView::drawLevelOfDetail(const LevelOfDetail& levelOfDetail)
{
    const LevelOfDetailRequest& request = levelOfDetail.request;
    if (request.timeline != m_timeline || request.by != m_stackBy
        || levelOfDetail.stackedSeries.size() != m_series.size())
        return;
    for (int s = 0; s < m_series.size(); ++s)
        m_series[s]->data()->set(levelOfDetail.stackedSeries[s], true);
    if (m_outline && request.layerId == m_highlightLayer)
        m_outline->data()->set(levelOfDetail.layer, true);
    m_seriesHasBytes = levelOfDetail.seriesHasBytes;
    updateLegend();
    m_drawnPoints = int(levelOfDetail.total.size());
    m_plot->yAxis->setRange(0, std::max(levelOfDetail.maxBytes * headroom, 1024.0));
    m_peak->updatePlacement();
    m_plot->replot();
    Q_EMIT levelOfDetailDrawn();
}

void TimelineView::onRangeChanged(const QCPRange& range)
{
    if (!m_timeline)
        return;
    const QCPRange clamped = clampTimeRange(range, endMs());
    if (clamped != range) {
        m_plot->xAxis->setRange(clamped); // signals again, with the clamped range
        return;
    }
    m_peak->updatePlacement();
    placeChangeText();
    scheduleLevelOfDetail();
}

qint64 TimelineView::timeAt(int x) const
{
    const qint64 end = m_timeline ? m_timeline->endNs() : 0;
    return std::clamp<qint64>(msToNs(m_plot->xAxis->pixelToCoord(x)), 0, end);
}

void TimelineView::onMousePress(QMouseEvent* event)
{
    m_pressPos = event->pos();
    // QCustomPlot checks the selection rect mode right after this signal: shift turns a drag into a selection.
    const bool select = event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier);
    m_plot->setSelectionRectMode(select && m_timeline ? QCP::srmCustom : QCP::srmNone);
    hideCursor();
}

void TimelineView::onMouseMove(QMouseEvent* event)
{
    if (!m_timeline || event->buttons() != Qt::NoButton || !m_plot->axisRect()->rect().contains(event->pos())) {
        hideCursor();
        return;
    }
    const qint64 time = timeAt(event->pos().x());
    const double x = nsToMs(time);
    m_cursor->point1->setCoords(x, 0);
    m_cursor->point2->setCoords(x, 1);
    m_cursor->setVisible(true);
    m_plot->layer(cursorLayer)->replot();
    QToolTip::showText(
        event->globalPosition().toPoint(), describeMoment(*m_timeline, m_timeline->momentAt(time)), m_plot);
}

void TimelineView::onMouseRelease(QMouseEvent* event)
{
    const bool click = (event->pos() - m_pressPos).manhattanLength() <= clickSlopPixels;
    if (!click || !m_timeline || event->button() != Qt::LeftButton || (event->modifiers() & Qt::ShiftModifier)
        || !m_plot->axisRect()->rect().contains(event->pos()))
        return;
    clearSelection();
    m_plot->replot();
    Q_EMIT layerClicked(m_timeline->momentAt(timeAt(event->pos().x())).layerId);
}

void TimelineView::onRangeDragged(const QRect& pixels)
{
    m_plot->setSelectionRectMode(QCP::srmNone);
    const QRect rect = pixels.normalized();
    const qint64 from = timeAt(rect.left());
    const qint64 to = timeAt(rect.right());
    if (!m_timeline || to <= from)
        return;
    showSelection(from, to);
    m_plot->replot();
    Q_EMIT rangeSelected(from, to);
}

void TimelineView::showSelection(qint64 fromNs, qint64 toNs)
{
    m_selectionFromNs = fromNs;
    m_selectionToNs = toNs;
    m_selection->topLeft->setCoords(nsToMs(fromNs), 0);
    m_selection->bottomRight->setCoords(nsToMs(toNs), 1);
    m_changeText->setText(describeChange(*m_timeline, m_stackBy, fromNs, toNs));
    m_selection->setVisible(true);
    m_changeText->setVisible(true);
    placeChangeText();
}

void TimelineView::placeChangeText()
{
    if (m_selectionToNs < 0)
        return;
    // Beside the range, on the side of the view with more room.
    const qint64 middle = m_selectionFromNs + (m_selectionToNs - m_selectionFromNs) / 2;
    const bool leftSide = nsToMs(middle) > m_plot->xAxis->range().center();
    m_changeText->setPositionAlignment(Qt::AlignTop | (leftSide ? Qt::AlignRight : Qt::AlignLeft));
    m_changeText->position->setCoords(nsToMs(leftSide ? m_selectionFromNs : m_selectionToNs), 0.08);
}

void TimelineView::clearSelection()
{
    m_selectionFromNs = m_selectionToNs = -1;
    m_selection->setVisible(false);
    m_changeText->setVisible(false);
}

void TimelineView::hideCursor()
{
    if (!m_cursor->visible())
        return;
    m_cursor->setVisible(false);
    m_plot->layer(cursorLayer)->replot();
}

bool TimelineView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot) {
        if (event->type() == QEvent::Resize)
            scheduleLevelOfDetail(); // a new width in pixels wants a new number of buckets
        else if (event->type() == QEvent::Leave) {
            hideCursor();
            QToolTip::hideText();
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace memoscope
