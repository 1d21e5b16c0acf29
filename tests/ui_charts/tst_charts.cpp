#include "core/ByteFormat.h"
#include "ui/charts/BarChart.h"
#include "ui/charts/ByteAxisTicker.h"
#include "ui/charts/ChartColors.h"
#include "ui/charts/CompareTimelineView.h"
#include "ui/charts/PhaseBands.h"
#include "ui/charts/StackedAreaGraph.h"
#include "ui/charts/TimelineResampler.h"
#include "ui/charts/TimelineText.h"
#include "ui/charts/TimelineView.h"

#include <QRandomGenerator>
#include <QSet>
#include <QtTest>
#include <algorithm>

using namespace memoscope;

Q_DECLARE_METATYPE(memoscope::StackBy)

namespace {

// A small training run: root, encoder (with conv and bn children), head and the loss pseudo-layer, so the
// layer stacking has five series: <root>, encoder, head, loss, (no layer).
enum LayerIds { Root, Encoder, EncoderConv, EncoderBn, Head, LossLayer };

struct SyntheticRun {
    std::shared_ptr<RunTrace> trace;
    RunMetrics metrics;
};

Layer makeLayer(qint32 id, const char* path, qint32 parent, qint32 depth, bool pseudo = false)
{
    Layer layer;
    layer.id = id;
    layer.path = QString::fromLatin1(path);
    layer.type = QStringLiteral("T");
    layer.parentId = parent;
    layer.depth = depth;
    layer.pseudo = pseudo;
    return layer;
}

// Each iteration: forward (ops keep activations, make and free temporaries), loss, backward (gradients
// allocated, activations freed in a shuffled order) and an optimizer step that frees the gradients.
SyntheticRun makeRun(int iterations, int opsPerPhase, quint32 seed)
{
    SyntheticRun run;
    run.trace = std::make_shared<RunTrace>();
    RunTrace& trace = *run.trace;
    trace.layers = { makeLayer(Root, "", -1, 0), makeLayer(Encoder, "encoder", Root, 1),
        makeLayer(EncoderConv, "encoder.conv", Encoder, 2), makeLayer(EncoderBn, "encoder.bn", Encoder, 2),
        makeLayer(Head, "head", Root, 1), makeLayer(LossLayer, "loss", Root, 1, true) };
    trace.ops = { QStringLiteral("aten::conv2d"), QStringLiteral("aten::batch_norm"), QStringLiteral("aten::linear"),
        QStringLiteral("aten::cross_entropy"), QStringLiteral("aten::add_") };
    QRandomGenerator random(seed);
    qint64 time = 0;
    qint32 nextId = 0;
    auto add = [&](qint64 bytes, qint32 op, qint32 layer, Phase phase, Category category) {
        trace.events.push_back(Event { time, bytes, nextId, op, layer, phase, category });
        time += 10;
        return nextId++;
    };
    auto release = [&](const Event& allocation) {
        Event free = allocation;
        free.timeNs = time;
        free.bytes = -allocation.bytes;
        trace.events.push_back(free);
        time += 10;
    };
    for (qint32 layer : { EncoderConv, EncoderBn, Head }) {
        add(4096 * (layer + 1), -1, layer, Phase::Setup, Category::Parameter);
        time = 0; // parameters exist before the measured iterations start
    }
    time = 100;
    const qint32 opOfLayer[] = { 4, 4, 0, 1, 2, 3 };
    for (int iteration = 0; iteration < iterations; ++iteration) {
        std::vector<Event> activations;
        std::vector<Event> gradients;
        for (Phase phase : { Phase::Forward, Phase::Loss, Phase::Backward, Phase::Optimizer }) {
            const qint64 spanStart = time;
            const int ops = phase == Phase::Loss ? 1 : opsPerPhase;
            for (int o = 0; o < ops; ++o) {
                const qint32 layer = phase == Phase::Loss ? LossLayer
                    : phase == Phase::Optimizer           ? -1
                                                          : qint32(EncoderConv + o % 3);
                const qint32 op = layer < 0 ? 4 : opOfLayer[layer];
                const qint64 opStart = time;
                time += 10;
                const qint64 bytes = 1024 * (1 + random.bounded(64));
                switch (phase) {
                case Phase::Forward:
                case Phase::Loss:
                    add(bytes, op, layer, phase, Category::Activation);
                    activations.push_back(trace.events.back());
                    break;
                case Phase::Backward: {
                    add(bytes, op, layer, phase, Category::Gradient);
                    gradients.push_back(trace.events.back());
                    if (!activations.empty()) {
                        const size_t victim = random.bounded(quint32(activations.size()));
                        release(activations[victim]);
                        activations.erase(activations.begin() + qint64(victim));
                    }
                    break;
                }
                default:
                    break;
                }
                add(bytes / 2, op, layer, phase, Category::Temporary);
                release(trace.events.back());
                trace.opSpans.push_back(OpSpan { op, layer, phase, opStart, time });
                time += 10;
            }
            if (phase == Phase::Optimizer) {
                for (const Event& allocation : activations)
                    release(allocation);
                for (const Event& allocation : gradients)
                    release(allocation);
            }
            trace.phases << PhaseSpan { phase, iteration, spanStart, time };
            time += 20;
        }
    }

    qint64 live = 0;
    for (const Event& event : trace.events) {
        live += event.bytes;
        if (live > run.metrics.peakBytes) {
            run.metrics.peakBytes = live;
            run.metrics.peakTimeNs = event.timeNs;
        }
    }
    run.metrics.eventCount = qint64(trace.events.size());
    return run;
}

// The most bytes a layer and its descendants owned at once.
qint64 layerMaximum(const RunTrace& trace, QSet<qint32> subtree)
{
    qint64 live = 0;
    qint64 best = 0;
    for (const Event& event : trace.events) {
        if (!subtree.contains(event.layerId))
            continue;
        live += event.bytes;
        best = std::max(best, live);
    }
    return best;
}

double maxValue(const QCPGraph* graph)
{
    double best = 0;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        best = std::max(best, it->value);
    return best;
}

// The graphs of the stack: every graph but the highlighted layer's outline.
QVector<StackedAreaGraph*> stackGraphs(QCustomPlot* plot)
{
    QVector<StackedAreaGraph*> graphs;
    for (int i = 0; i < plot->graphCount(); ++i)
        if (auto* graph = qobject_cast<StackedAreaGraph*>(plot->graph(i)))
            graphs << graph;
    return graphs;
}

template <typename View, typename Action> bool drawsAfter(View* view, Action action)
{
    QSignalSpy drawn(view, &View::levelOfDetailDrawn);
    action();
    return drawn.wait(10000);
}

} // namespace

class TestCharts : public QObject {
    Q_OBJECT

    std::unique_ptr<TimelineView> m_view;
    SyntheticRun m_run;
    std::shared_ptr<const Timeline> m_timeline;

    void showView(QWidget* view, QSize size)
    {
        view->resize(size);
        view->show();
        QVERIFY(QTest::qWaitForWindowExposed(view));
    }

private Q_SLOTS:
    void init()
    {
        m_run = makeRun(3, 24, 7);
        m_timeline = std::make_shared<Timeline>(m_run.trace);
        m_view = std::make_unique<TimelineView>();
        showView(m_view.get(), QSize(900, 420));
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setTimeline(m_timeline, m_run.metrics); }));
    }

    void cleanup() { m_view.reset(); }

    void drawsOneStackedGraphPerSeriesUpToThePeak()
    {
        const QVector<StackedAreaGraph*> graphs = stackGraphs(m_view->plot());
        QCOMPARE(m_view->stackBy(), StackBy::Layer);
        QCOMPARE(graphs.size(), m_timeline->seriesCount(StackBy::Layer));
        QCOMPARE(graphs.size(), 5);
        for (StackedAreaGraph* graph : graphs)
            QCOMPARE(graph->dataCount(), m_view->drawnPointCount());
        QCOMPARE(graphs.back()->name(), QStringLiteral("(no layer)"));
        // The top of the stack is the total: its highest point is the run's peak, exactly.
        QCOMPARE(qint64(maxValue(graphs.back())), m_run.metrics.peakBytes);
        QVERIFY(m_view->plot()->legend->itemCount() > 0);
        QVERIFY(m_view->plot()->yAxis->range().upper > double(m_run.metrics.peakBytes));
    }

    void stackingChangesTheSeries_data()
    {
        QTest::addColumn<StackBy>("by");
        QTest::addColumn<int>("series");
        QTest::newRow("layer") << StackBy::Layer << 5;
        QTest::newRow("category") << StackBy::Category << CategoryCount;
        QTest::newRow("phase") << StackBy::Phase << PhaseCount;
    }
    void stackingChangesTheSeries()
    {
        QFETCH(StackBy, by);
        QFETCH(int, series);
        if (by == StackBy::Layer) { // the default: go elsewhere and back
            QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setStackBy(StackBy::Phase); }));
            QCOMPARE(stackGraphs(m_view->plot()).size(), PhaseCount);
        }
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setStackBy(by); }));
        QCOMPARE(m_view->stackBy(), by);
        const QVector<StackedAreaGraph*> graphs = stackGraphs(m_view->plot());
        QCOMPARE(graphs.size(), series);
        QCOMPARE(qint64(maxValue(graphs.back())), m_run.metrics.peakBytes);
        for (int s = 0; s < series; ++s) {
            QCOMPARE(graphs[s]->name(), m_timeline->seriesName(by, s));
            QCOMPARE(graphs[s]->bandBrush().color().hue(), stackColor(by, s, series).hue());
        }
    }

    void pointsStayWithinThePixelWidth()
    {
        const SyntheticRun big = makeRun(40, 1250, 11); // about 200,000 events
        QVERIFY(big.trace->events.size() >= 200000);
        auto timeline = std::make_shared<Timeline>(big.trace);
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setTimeline(timeline, big.metrics); }));
        const int width = m_view->plot()->width();
        QVERIFY(m_view->drawnPointCount() > 0);
        QVERIFY2(m_view->drawnPointCount() <= 2 * width,
            qPrintable(QStringLiteral("%1 points for %2 pixels").arg(m_view->drawnPointCount()).arg(width)));
        QCOMPARE(qint64(maxValue(stackGraphs(m_view->plot()).back())), big.metrics.peakBytes);
    }

    void phaseBandsMarkEverySpan()
    {
        auto* bands = m_view->plot()->findChild<PhaseBands*>();
        QVERIFY(bands);
        QCOMPARE(bands->layer()->name(), QStringLiteral("phases"));
        const QVector<PhaseSpan>& spans = m_run.trace->phases;
        QCOMPARE(spans.size(), 3 * 4);
        QCOMPARE(bands->spans().size(), spans.size());
        for (int i = 0; i < spans.size(); ++i) {
            QCOMPARE(bands->spans()[i].startNs, spans[i].startNs);
            QCOMPARE(bands->spans()[i].endNs, spans[i].endNs);
            QCOMPARE(bands->spans()[i].phase, spans[i].phase);
        }
        // Named where wide enough: forward, backward and optimizer, not the short loss.
        const QVector<int> labelled = bands->labelledSpans();
        QVERIFY(labelled.size() >= 9);
        for (int i : labelled)
            QVERIFY(spans[i].phase != Phase::Loss);
        // Drawn: above the stack, near the start of the last backward span, the plot shows the band's tint.
        const QImage image = m_view->plot()->toPixmap().toImage();
        const PhaseSpan& backward = spans[10];
        QCOMPARE(backward.phase, Phase::Backward);
        const int x = int(
            m_view->plot()->xAxis->coordToPixel((backward.startNs + (backward.endNs - backward.startNs) / 10) / 1e6));
        const int y = m_view->plot()->axisRect()->top() + 25;
        const QColor pixel = image.pixelColor(x, y);
        QVERIFY2(pixel.red() > pixel.blue() && pixel != QColor(Qt::white), qPrintable(pixel.name()));
    }

    void peakMarkerSitsAtThePeak()
    {
        auto* line = m_view->plot()->findChild<QCPItemStraightLine*>(QStringLiteral("peakLine"));
        auto* label = m_view->plot()->findChild<QCPItemText*>(QStringLiteral("peakLabel"));
        QVERIFY(line && label);
        QVERIFY(line->visible());
        QCOMPARE(line->point1->coords().x(), m_run.metrics.peakTimeNs / 1e6);
        QCOMPARE(line->point2->coords().x(), m_run.metrics.peakTimeNs / 1e6);
        QCOMPARE(label->text(), QStringLiteral("peak ") + formatBytes(m_run.metrics.peakBytes));
    }

    void zoomingResamplesOnlyTheVisibleRange()
    {
        const qint64 from = m_timeline->endNs() / 3;
        const qint64 to = from + m_timeline->endNs() / 50;
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setVisibleRange(from, to); }));
        const QCPRange range = m_view->plot()->xAxis->range();
        QCOMPARE(range.lower, from / 1e6);
        QCOMPARE(range.upper, to / 1e6);
        for (StackedAreaGraph* graph : stackGraphs(m_view->plot())) {
            QCOMPARE(graph->data()->constBegin()->key, from / 1e6);
            QCOMPARE((graph->data()->constEnd() - 1)->key, to / 1e6);
        }
        QVERIFY(m_view->drawnPointCount() <= 2 * m_view->plot()->width());

        // Out of the run is clamped back into it.
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setVisibleRange(-1000, m_timeline->endNs() * 2); }));
        QCOMPARE(m_view->plot()->xAxis->range().lower, 0.0);
        QCOMPARE(m_view->plot()->xAxis->range().upper, m_timeline->endNs() / 1e6);
        QCOMPARE(qint64(maxValue(stackGraphs(m_view->plot()).back())), m_run.metrics.peakBytes);
    }

    void highlightingALayerOutlinesIt()
    {
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->highlightLayer(EncoderConv); }));
        auto* outline = m_view->plot()->findChild<QCPGraph*>(QStringLiteral("layerOutline"));
        QVERIFY(outline);
        QCOMPARE(m_view->plot()->graphCount(), 6);
        QVERIFY(outline->dataCount() > 0);
        QCOMPARE(qint64(maxValue(outline)), layerMaximum(*m_run.trace, { EncoderConv }));

        // A parent's outline includes its children.
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->highlightLayer(Encoder); }));
        QCOMPARE(qint64(maxValue(outline)), layerMaximum(*m_run.trace, { Encoder, EncoderConv, EncoderBn }));
        QVERIFY(qint64(maxValue(outline)) > layerMaximum(*m_run.trace, { EncoderConv }));
        // Its band in the stack stands out; the others fade.
        const QVector<StackedAreaGraph*> graphs = stackGraphs(m_view->plot());
        const int band = m_timeline->layerSeries(Encoder);
        QCOMPARE(graphs[band]->bandBrush().color(), stackColor(StackBy::Layer, band, int(graphs.size())));
        QVERIFY(graphs[band + 1]->bandBrush().color().lightness()
            > stackColor(StackBy::Layer, band + 1, int(graphs.size())).lightness());

        m_view->highlightLayer(-1);
        QVERIFY(!m_view->plot()->findChild<QCPGraph*>(QStringLiteral("layerOutline")));
        QCOMPARE(m_view->plot()->graphCount(), 5);
    }

    void clickingEmitsTheLayerRunningThen()
    {
        // An op of "head" in the second iteration, zoomed in so that it spans many pixels.
        const auto span = std::find_if(m_run.trace->opSpans.begin(), m_run.trace->opSpans.end(),
            [&](const OpSpan& s) { return s.layerId == Head && s.startNs > m_run.trace->phases[4].startNs; });
        QVERIFY(span != m_run.trace->opSpans.end());
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setVisibleRange(span->startNs - 200, span->endNs + 200); }));
        QCustomPlot* plot = m_view->plot();
        const QPoint at(
            int(plot->xAxis->coordToPixel((span->startNs + span->endNs) / 2e6)), plot->axisRect()->center().y());
        QSignalSpy clicked(m_view.get(), &TimelineView::layerClicked);
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at);
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.front().front().value<qint32>(), qint32(Head));
        // Between two ops no layer was running.
        const QPoint gap(int(plot->xAxis->coordToPixel((span->endNs + 5) / 1e6)), at.y());
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, gap);
        QCOMPARE(clicked.count(), 2);
        QCOMPARE(clicked.back().front().value<qint32>(), qint32(-1));
    }

    void shiftDragSelectsARange()
    {
        QCustomPlot* plot = m_view->plot();
        const QRect area = plot->axisRect()->rect();
        const QPoint start(area.left() + area.width() / 4, area.center().y());
        const QPoint end(area.left() + area.width() / 2, area.center().y());
        QSignalSpy selected(m_view.get(), &TimelineView::rangeSelected);
        QTest::mousePress(plot, Qt::LeftButton, Qt::ShiftModifier, start);
        QTest::mouseMove(plot, QPoint(start.x() + 20, start.y()));
        QTest::mouseMove(plot, end);
        QTest::mouseRelease(plot, Qt::LeftButton, Qt::ShiftModifier, end);
        QCOMPARE(selected.count(), 1);
        const qint64 from = selected.front()[0].value<qint64>();
        const qint64 to = selected.front()[1].value<qint64>();
        QVERIFY(from < to);
        QVERIFY(std::abs(from / 1e6 - plot->xAxis->pixelToCoord(start.x())) < 1e-6);
        auto* text = plot->findChild<QCPItemText*>(QStringLiteral("rangeChange"));
        QVERIFY(text && text->visible());
        QVERIFY(text->text().contains(formatBytes(m_timeline->change(StackBy::Layer, from, to).toBytes)));
        // Dragging without shift pans instead.
        const QCPRange before = plot->xAxis->range();
        QVERIFY(drawsAfter(m_view.get(), [&] { m_view->setVisibleRange(0, m_timeline->endNs() / 2); }));
        QTest::mousePress(plot, Qt::LeftButton, Qt::NoModifier, end);
        QTest::mouseMove(plot, QPoint(end.x() - 40, end.y()));
        QTest::mouseRelease(plot, Qt::LeftButton, Qt::NoModifier, QPoint(end.x() - 40, end.y()));
        QCOMPARE(selected.count(), 1);
        QVERIFY(plot->xAxis->range().lower > 0);
        Q_UNUSED(before)
    }

    void describesAMomentAndAChange()
    {
        const OpSpan& op = m_run.trace->opSpans[3];
        const QString moment = describeMoment(*m_timeline, m_timeline->momentAt((op.startNs + op.endNs) / 2));
        QVERIFY(moment.contains(m_run.trace->layers[op.layerId].displayPath()));
        QVERIFY(moment.contains(m_run.trace->ops[op.opId]));
        QVERIFY(moment.contains(QStringLiteral("forward")));
        const PhaseSpan& forward = m_run.trace->phases[0];
        const QString change = describeChange(*m_timeline, StackBy::Category, forward.startNs, forward.endNs);
        QVERIFY(change.contains(QStringLiteral("→")));
        QVERIFY(change.contains(QStringLiteral("activation")));
        QCOMPARE(formatMilliseconds(1234567), QStringLiteral("1.235 ms"));
    }

    void byteAxisUsesBinaryUnits()
    {
        m_view->plot()->replot();
        const QVector<QString> labels = m_view->plot()->yAxis->tickVectorLabels();
        QVERIFY(labels.size() >= 3);
        const QString unit = ByteAxisTicker::unitName(ByteAxisTicker::unitFor(m_run.metrics.peakBytes));
        QCOMPARE(unit, QStringLiteral("MiB"));
        for (const QString& label : labels)
            QVERIFY2(label == QLatin1String("0") || label.endsWith(QLatin1Char(' ') + unit), qPrintable(label));
        QCOMPARE(ByteAxisTicker::unitFor(1023), 1.0);
        QCOMPARE(ByteAxisTicker::unitName(ByteAxisTicker::unitFor(3.0 * 1024 * 1024 * 1024)), QStringLiteral("GiB"));
    }

    void clearingEmptiesThePlot()
    {
        m_view->setTimeline(nullptr, RunMetrics());
        QCOMPARE(m_view->plot()->graphCount(), 0);
        QCOMPARE(m_view->drawnPointCount(), 0);
        QVERIFY(!m_view->plot()->findChild<QCPItemStraightLine*>(QStringLiteral("peakLine"))->visible());
        m_view->highlightLayer(2); // nothing to highlight: no effect, no crash
        QCOMPARE(m_view->plot()->graphCount(), 0);
    }

    void savesAPng()
    {
        m_view->highlightLayer(Head);
        QSignalSpy drawn(m_view.get(), &TimelineView::levelOfDetailDrawn);
        QVERIFY(drawn.wait(10000));
        const QString path = QDir::temp().filePath(QStringLiteral("memoscope-tst_charts-timeline.png"));
        QVERIFY(m_view->plot()->savePng(path, 1200, 500));
        QImage image(path);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1200, 500));
        // Not a blank page: the stack and the bands draw many colours.
        QSet<QRgb> colours;
        for (int x = 0; x < image.width(); x += 7)
            for (int y = 0; y < image.height(); y += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 20);
    }

    void resamplerDeliversOnlyTheNewestRequest()
    {
        TimelineResampler resampler;
        QSignalSpy ready(&resampler, &TimelineResampler::ready);
        LevelOfDetailRequest request;
        request.timeline = m_timeline;
        request.buckets = 100;
        for (int i = 1; i <= 5; ++i) {
            request.fromNs = 0;
            request.toNs = m_timeline->endNs() / i;
            resampler.request(request);
        }
        QVERIFY(ready.wait(10000));
        QTest::qWait(100);
        QCOMPARE(ready.count(), 1);
        const auto result = ready.front().front().value<LevelOfDetail>();
        QCOMPARE(result.request.toNs, m_timeline->endNs() / 5);
        QVERIFY(!resampler.isBusy());
    }

    void barChartDrawsOneBarPerLabel()
    {
        BarChart chart;
        showView(&chart, QSize(500, 250));
        const QStringList labels { QStringLiteral("activation"), QStringLiteral("parameter"),
            QStringLiteral("gradient") };
        const QVector<double> bytes { 5.0 * 1024 * 1024, 2.0 * 1024 * 1024, 512.0 * 1024 };
        const QVector<QColor> colours { categoryColor(Category::Activation), categoryColor(Category::Parameter),
            categoryColor(Category::Gradient) };
        chart.setBars(labels, bytes, colours);
        QCustomPlot* plot = chart.plot();
        QCOMPARE(plot->plottableCount(), 3);
        QCOMPARE(plot->itemCount(), 3);
        for (int i = 0; i < 3; ++i) {
            auto* bars = qobject_cast<QCPBars*>(plot->plottable(i));
            QVERIFY(bars);
            QCOMPARE(bars->name(), labels[i]);
            QCOMPARE(bars->data()->size(), 1);
            QCOMPARE(bars->data()->constBegin()->value, bytes[i]);
            QCOMPARE(bars->brush().color(), colours[i]);
            QCOMPARE(qobject_cast<QCPItemText*>(plot->item(i))->text(), formatBytes(qint64(bytes[i])));
        }
        QVERIFY(plot->xAxis->range().upper > bytes[0]);
        QVERIFY(plot->savePng(QDir::temp().filePath(QStringLiteral("memoscope-tst_charts-bars.png")), 500, 250));
        chart.setBars({ QStringLiteral("only") }, { 10 }, {});
        QCOMPARE(plot->plottableCount(), 1);
        QCOMPARE(plot->itemCount(), 1);
        QCOMPARE(qobject_cast<QCPBars*>(plot->plottable(0))->brush().color(), seriesColor(0, 1));
        QVERIFY(plot->xAxis->range().upper < 100); // the axis fits small values too
    }

    void compareOverlaysOneLinePerRun()
    {
        const SyntheticRun longer = makeRun(5, 30, 21);
        auto second = std::make_shared<Timeline>(longer.trace);
        CompareTimelineView view;
        view.setAlignedByPhase(false); // each run on its own clock (aligned by phase: tst_phasealignment, gui flow)
        showView(&view, QSize(900, 400));
        QVERIFY(drawsAfter(&view, [&] {
            view.setRuns({ m_timeline, second }, { QStringLiteral("baseline"), QStringLiteral("bigger batch") });
        }));
        QCustomPlot* plot = view.plot();
        QCOMPARE(plot->graphCount(), 2);
        QCOMPARE(plot->legend->itemCount(), 2);
        QCOMPARE(plot->graph(0)->name(), QStringLiteral("baseline"));
        QCOMPARE(plot->graph(1)->name(), QStringLiteral("bigger batch"));
        QCOMPARE(qint64(maxValue(plot->graph(0))), m_run.metrics.peakBytes);
        QCOMPARE(qint64(maxValue(plot->graph(1))), longer.metrics.peakBytes);
        QVERIFY(plot->graph(0)->pen().color() != plot->graph(1)->pen().color());
        QVERIFY(plot->graph(0)->dataCount() <= 2 * plot->width());
        QCOMPARE(plot->xAxis->range().upper, second->endNs() / 1e6);

        QList<double> peaks;
        for (auto* line : plot->findChildren<QCPItemStraightLine*>(QStringLiteral("peakLine")))
            peaks << line->point1->coords().x();
        std::sort(peaks.begin(), peaks.end());
        QList<double> expected { m_run.metrics.peakTimeNs / 1e6, longer.metrics.peakTimeNs / 1e6 };
        std::sort(expected.begin(), expected.end());
        QCOMPARE(peaks, expected);

        // Zooming resamples every run to the new range.
        const qint64 to = m_timeline->endNs() / 2;
        QVERIFY(drawsAfter(&view, [&] { view.setVisibleRange(0, to); }));
        for (int run = 0; run < 2; ++run)
            QCOMPARE((plot->graph(run)->data()->constEnd() - 1)->key, to / 1e6);
        QVERIFY(plot->savePng(QDir::temp().filePath(QStringLiteral("memoscope-tst_charts-compare.png")), 900, 400));

        view.setRuns({}, {});
        QCOMPARE(plot->graphCount(), 0);
        QVERIFY(plot->findChildren<QCPItemStraightLine*>(QStringLiteral("peakLine")).isEmpty());
    }

    void paletteIsStableAndDistinct()
    {
        QSet<QRgb> categories;
        for (Category category : allCategories())
            categories.insert(categoryColor(category).rgb());
        QCOMPARE(categories.size(), CategoryCount);
        QSet<QRgb> phases;
        for (Phase phase : allPhases()) {
            phases.insert(phaseBandColor(phase).rgba());
            QVERIFY(phaseBandColor(phase).alpha() < 128); // translucent
        }
        QCOMPARE(phases.size(), PhaseCount);
        QSet<QRgb> series;
        for (int i = 0; i < 30; ++i) {
            QCOMPARE(seriesColor(i, 30), seriesColor(i, 40)); // a series keeps its colour whatever the count
            series.insert(seriesColor(i, 30).rgb());
        }
        QCOMPARE(series.size(), 30);
        QVERIFY(!series.contains(noLayerColor().rgb()));
        QCOMPARE(seriesColor(5, 5), noLayerColor());
        QCOMPARE(stackColor(StackBy::Layer, 4, 5), noLayerColor());
    }
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
