#include "ReportCharts.h"

#include "core/ByteFormat.h"
#include "ui/charts/BarChart.h"
#include "ui/charts/ChartColors.h"
#include "ui/charts/ChartStyle.h"
#include "ui/charts/PeakMarker.h"
#include "ui/charts/PhaseBands.h"
#include "ui/charts/StackedAreaGraph.h"
#include "ui/charts/TimelineResampler.h"

#include <algorithm>
#include <cmath>

namespace memoscope {

namespace {
    constexpr double headroom = 1.18; // room above the highest point for the peak label, as in the views

    QImage render(QCustomPlot* plot, QSize size, double scale)
    {
        plot->resize(size);
        return plot->toPixmap(size.width(), size.height(), scale).toImage();
    }

    // A still plot: no interaction, and no "loading" state to wait for.
    void prepareTimePlot(QCustomPlot* plot, double endMs, double maxBytes)
    {
        styleTimePlot(plot);
        plot->setInteractions({});
        plot->xAxis->setRange(0, endMs);
        plot->yAxis->setRange(0, std::max(maxBytes * headroom, 1024.0));
    }

    // Bands are opaque (see StackedAreaGraph): a lighter band is a blend towards white, as TimelineView draws.
    QColor towardsWhite(const QColor& colour, double strength)
    {
        return QColor::fromRgbF(float(1 - strength * (1 - colour.redF())), float(1 - strength * (1 - colour.greenF())),
            float(1 - strength * (1 - colour.blueF())));
    }

    LevelOfDetail wholeRun(const std::shared_ptr<const Timeline>& timeline, StackBy by, bool stacked, int buckets)
    {
        LevelOfDetailRequest request;
        request.timeline = timeline;
        request.by = by;
        request.fromNs = 0;
        request.toNs = std::max<qint64>(timeline->endNs(), 1);
        request.buckets = std::max(1, buckets);
        request.stacked = stacked;
        return computeLevelOfDetail(request);
    }
}

QImage timelineImage(const ReportRun& run, QSize size, double scale)
{
    QCustomPlot plot;
    if (!run.timeline) {
        plot.xAxis->setLabel(QStringLiteral("no timeline: the run was not traced"));
        return render(&plot, size, scale);
    }
    const Timeline& timeline = *run.timeline;
    const StackBy by = StackBy::Category;
    const LevelOfDetail detail = wholeRun(run.timeline, by, true, size.width());
    prepareTimePlot(&plot, nsToMs(std::max<qint64>(timeline.endNs(), 1)),
        std::max(detail.maxBytes, double(run.run.metrics.peakBytes)));

    auto* bands = new PhaseBands(&plot); // owned by the plot
    bands->setSpans(timeline.trace().phases, timeline.endNs());
    QVector<StackedAreaGraph*> series;
    const int count = int(detail.stackedSeries.size());
    for (int s = 0; s < count; ++s) {
        auto* graph = new StackedAreaGraph(plot.xAxis, plot.yAxis);
        graph->setName(detail.seriesNames.value(s));
        graph->setBelow(series.isEmpty() ? nullptr : series.back());
        graph->setBandBrush(towardsWhite(stackColor(by, s, count), 0.8));
        graph->setPen(s == count - 1 ? QPen(QColor(0x40, 0x40, 0x40), 1) : QPen(Qt::NoPen));
        graph->data()->set(detail.stackedSeries[s], true);
        series << graph;
    }
    // Top of the stack first, as the bands are drawn; categories with no bytes are left out.
    plot.legend->clearItems();
    for (int s = count - 1; s >= 0; --s)
        if (detail.seriesHasBytes.value(s))
            series[s]->addToLegend();

    PeakMarker peak(&plot, peakColor());
    if (run.run.metrics.peakBytes > 0)
        peak.show(nsToMs(run.run.metrics.peakTimeNs), run.run.metrics.peakBytes);
    return render(&plot, size, scale);
}

QImage categoriesAtPeakImage(const StoredRun& run, QSize size, double scale)
{
    QVector<Category> categories;
    for (Category category : allCategories())
        if (run.metrics.categoriesAtPeak[int(category)] != 0)
            categories << category;
    std::stable_sort(categories.begin(), categories.end(), [&](Category a, Category b) {
        return run.metrics.categoriesAtPeak[int(a)] > run.metrics.categoriesAtPeak[int(b)];
    });
    QStringList labels;
    QVector<double> bytes;
    QVector<QColor> colours;
    for (Category category : categories) {
        labels << categoryLabel(category);
        bytes << double(run.metrics.categoriesAtPeak[int(category)]);
        colours << categoryColor(category);
    }
    BarChart chart;
    chart.setBars(labels, bytes, colours);
    return render(chart.plot(), size, scale);
}

QImage overlaidTimelinesImage(const QVector<ReportRun>& runs, QSize size, double scale)
{
    QCustomPlot plot;
    double endMs = 1e-3;
    double maxBytes = 0;
    for (const ReportRun& run : runs) {
        if (!run.timeline)
            continue;
        endMs = std::max(endMs, nsToMs(run.timeline->endNs()));
        maxBytes = std::max(maxBytes, double(run.run.metrics.peakBytes));
    }
    prepareTimePlot(&plot, endMs, maxBytes);
    plot.yAxis->setLabel(QStringLiteral("live memory (total)"));
    plot.legend->clearItems();
    std::vector<std::unique_ptr<PeakMarker>> peaks;
    for (int i = 0; i < runs.size(); ++i) {
        const ReportRun& run = runs[i];
        if (!run.timeline)
            continue;
        // Each run over its own time, in buckets as wide as the shared axis' pixels.
        const double share = nsToMs(std::max<qint64>(run.timeline->endNs(), 1)) / endMs;
        const LevelOfDetail detail
            = wholeRun(run.timeline, StackBy::Category, false, int(std::ceil(share * size.width())));
        const QColor colour = seriesColor(i, int(runs.size()));
        QCPGraph* graph = plot.addGraph();
        graph->setName(QStringLiteral("#%1").arg(run.run.summary.id));
        graph->setLineStyle(QCPGraph::lsStepLeft);
        graph->setPen(QPen(colour, 1.6));
        graph->data()->set(detail.total, true);
        if (run.run.metrics.peakBytes > 0) {
            peaks.push_back(std::make_unique<PeakMarker>(&plot, colour.darker(110)));
            peaks.back()->show(nsToMs(run.run.metrics.peakTimeNs), run.run.metrics.peakBytes,
                QStringLiteral("#%1 peak %2").arg(run.run.summary.id).arg(formatBytes(run.run.metrics.peakBytes)));
        }
    }
    return render(&plot, size, scale);
}

} // namespace memoscope
