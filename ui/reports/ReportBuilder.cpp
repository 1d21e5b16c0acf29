#include "Report.h"

#include "HtmlTable.h"
#include "ReportCharts.h"
#include "ReportSections.h"
#include "ReportTables.h"
#include "core/ByteFormat.h"

#include <QDateTime>
#include <QFileInfo>
#include <cmath>

namespace memoscope {

namespace {
    constexpr int contentWidth = 720; // px at 96 dpi: fits A4 with 15 mm margins, and a browser window
    constexpr int maxLayerRows = 150;
    constexpr int maxDifferenceRows = 40;

    // CSS that QTextDocument understands (the preview and the PDF); browsers read the same.
    const char* const styleSheet = R"(
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 9pt; color: #1e1e1e; }
h1 { font-size: 17pt; color: #1f3b57; margin-bottom: 2px; }
h2 { font-size: 13pt; color: #1f3b57; margin-top: 18px; margin-bottom: 6px; }
h3 { font-size: 10.5pt; color: #1e1e1e; margin-top: 12px; margin-bottom: 4px; }
table { margin-bottom: 4px; }
th, td { border: 1px solid #c4cad3; vertical-align: top; }
th { text-align: left; }
th.num, td.num { text-align: right; }
table.keys td { padding-right: 12px; }
table.figure { margin-top: 10px; }
table.figure td { border: none; padding: 0px; }
p.meta { color: #5a6270; margin-top: 0px; }
p.note { color: #5a6270; font-size: 8pt; margin-top: 2px; }
ul { margin-top: 2px; }
)";

    class Builder {
    public:
        explicit Builder(const ReportInput& input, const MachineInfo& machine)
            : m_input(input)
            , m_machine(machine)
        {
        }

        Report build()
        {
            const QVector<ReportRun>& runs = m_input.runs;
            Report report;
            report.title = runs.size() == 1 ? QStringLiteral("Memoscope report: run %1").arg(runLabel(runs.first().run))
                                            : QStringLiteral("Memoscope report: %1 runs compared").arg(runs.size());
            QString& html = m_html;
            html += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                                   "<meta name=\"generator\" content=\"Memoscope %1\">\n<title>%2</title>\n"
                                   "<style>%3</style></head>\n<body>\n")
                        .arg(escaped(m_machine.memoscopeVersion), escaped(report.title), QLatin1String(styleSheet));
            html += QStringLiteral("<h1>%1</h1>\n").arg(escaped(report.title));
            html += QStringLiteral("<p class=\"meta\">Made %1 by Memoscope %2 on %3.</p>\n")
                        .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                            escaped(m_machine.memoscopeVersion), escaped(m_machine.cpuModel));
            contents();
            summary();
            if (runs.size() >= 2)
                comparison();
            for (const ReportRun& run : runs)
                runSection(run);
            const QString advice = adviceHtml(m_input.recommendations, runs);
            if (!advice.isEmpty())
                html += QStringLiteral("<h2 id=\"advice\">Advice</h2>\n") + advice;
            html += QStringLiteral("</body></html>\n");
            report.html = m_html;
            report.images = m_images;
            return report;
        }

    private:
        static QString anchor(const StoredRun& run) { return QStringLiteral("run-%1").arg(run.summary.id); }

        // A chart under its heading. Both sit in one table cell: QTextDocument moves a table row that does not fit
        // to the next page whole, so a heading is never left alone at the foot of a page.
        void figure(const QString& heading, const QImage& picture, const QString& alt)
        {
            const QString name = QStringLiteral("chart-%1.png").arg(m_images.size() + 1);
            m_images.append({ name, picture });
            const QSizeF size = QSizeF(picture.size()) / reportImageScale;
            m_html
                += QStringLiteral("<table class=\"figure\" border=\"0\" cellspacing=\"0\" cellpadding=\"0\"><tr><td>%1"
                                  "<p><img src=\"%2\" width=\"%3\" height=\"%4\" alt=\"%5\"></p></td></tr></table>\n")
                       .arg(heading.isEmpty() ? QString() : QStringLiteral("<h3>%1</h3>").arg(escaped(heading)), name)
                       .arg(qRound(size.width()))
                       .arg(qRound(size.height()))
                       .arg(escaped(alt));
        }

        void contents()
        {
            QString items = QStringLiteral("<li><a href=\"#summary\">Summary</a></li>");
            if (m_input.runs.size() >= 2)
                items += QStringLiteral("<li><a href=\"#comparison\">Comparison</a></li>");
            for (const ReportRun& run : m_input.runs)
                items += QStringLiteral("<li><a href=\"#%1\">Run %2</a></li>")
                             .arg(anchor(run.run), escaped(runLabel(run.run)));
            if (!m_input.recommendations.isEmpty())
                items += QStringLiteral("<li><a href=\"#advice\">Advice</a></li>");
            m_html += QStringLiteral("<ul class=\"contents\">%1</ul>\n").arg(items);
        }

        void summary()
        {
            const QVector<ReportRun>& runs = m_input.runs;
            m_html += QStringLiteral("<h2 id=\"summary\">Summary</h2>\n<ul>\n");
            for (const ReportRun& entry : runs) {
                const StoredRun& run = entry.run;
                const RunMetrics& m = run.metrics;
                QString where = phaseName(m.peakPhase);
                if (!m.peakLayer.isEmpty())
                    where += QStringLiteral(", in ") + m.peakLayer;
                if (!m.peakOp.isEmpty())
                    where += QStringLiteral(" (%1)").arg(m.peakOp);
                QString line = QStringLiteral("<b>Run %1</b> (%2, %3): peak %4 at %5 ms, %6; parameters %7; "
                                              "iteration %8 ms median.")
                                   .arg(escaped(runLabel(run)), modeName(run.summary.config.mode),
                                       statusName(run.summary.status), formatBytes(m.peakBytes))
                                   .arg(double(m.peakTimeNs) / 1e6, 0, 'f', 2)
                                   .arg(escaped(where), formatBytes(run.model.paramBytes))
                                   .arg(m.iterationMsMedian, 0, 'f', 2);
                if (&entry != &runs.first()) {
                    const StoredRun& base = runs.first().run;
                    const qint64 change = m.peakBytes - base.metrics.peakBytes;
                    line += QStringLiteral(" Against run #%1: peak %2")
                                .arg(base.summary.id)
                                .arg(formatByteDelta(change));
                    if (base.metrics.peakBytes > 0)
                        line += QStringLiteral(" (%1 %)").arg(
                            100.0 * double(change) / double(base.metrics.peakBytes), 0, 'f', 1);
                    line += QLatin1Char('.');
                }
                if (run.optimization) {
                    line += QStringLiteral(" Its model is %1 after %2")
                                .arg(escaped(QFileInfo(run.optimization->sourceModel).fileName()),
                                    escaped(run.optimization->applied.join(QStringLiteral(", then "))));
                    if (run.optimization->fidelity)
                        line += QStringLiteral(", cosine similarity %1 to the original")
                                    .arg(run.optimization->fidelity->cosine, 0, 'f', 5);
                    line += QLatin1Char('.');
                }
                m_html += QStringLiteral("<li>%1</li>\n").arg(line);
            }
            m_html += QStringLiteral("</ul>\n");
        }

        void comparison()
        {
            const QVector<ReportRun>& runs = m_input.runs;
            QVector<StoredRun> stored;
            for (const ReportRun& run : runs)
                stored << run.run;
            m_html += QStringLiteral("<h2 id=\"comparison\">Comparison</h2>\n");
            figure({}, overlaidTimelinesImage(runs, QSize(contentWidth, 260)),
                QStringLiteral("Total live memory of every run"));
            m_html += comparisonTableHtml(stored);
            for (int i = 1; i < runs.size(); ++i) {
                const StoredRun& a = runs.first().run;
                const StoredRun& b = runs[i].run;
                m_html += QStringLiteral("<h3 id=\"difference-%1-%2\">Per-layer difference: #%2 minus #%1</h3>\n")
                              .arg(a.summary.id)
                              .arg(b.summary.id);
                m_html += layerDifferenceHtml(a, b, maxDifferenceRows);
            }
        }

        void runSection(const ReportRun& entry)
        {
            const StoredRun& run = entry.run;
            // In print each run starts a page, except a lone run, which follows its summary; browsers ignore this
            // on screen.
            const bool newPage = m_input.runs.size() > 1;
            m_html
                += QStringLiteral("<h2 id=\"%1\"%2>Run %3</h2>\n")
                       .arg(anchor(run), newPage ? QStringLiteral(" style=\"page-break-before: always\"") : QString(),
                           escaped(runLabel(run)));
            m_html += QStringLiteral("<h3>Configuration and environment</h3>\n") + configurationHtml(run, m_machine);
            m_html += QStringLiteral("<p class=\"note\">CPU, Qt and system are those of the machine that made this "
                                     "report; threads, LibTorch and the engine are the run's own.</p>\n");
            if (entry.timeline)
                figure(QStringLiteral("Timeline"), timelineImage(entry, QSize(contentWidth, 300)),
                    QStringLiteral("Live memory of run %1 over time, by category").arg(run.summary.id));
            else
                m_html += QStringLiteral("<h3>Timeline</h3>\n<p>This run has no events to draw: it was made with "
                                         "--no-trace, or stopped before any.</p>\n");
            const QString atPeak = QStringLiteral("Alive at the peak, by category");
            if (categoriesAtPeak(run) > 0)
                figure(atPeak,
                    categoriesAtPeakImage(run, QSize(contentWidth, 60 + 26 * std::max(3, categoriesAtPeak(run)))),
                    QStringLiteral("Bytes alive at the peak of run %1, by category").arg(run.summary.id));
            else
                m_html += QStringLiteral("<h3>%1</h3>\n<p>Nothing was recorded alive at a peak.</p>\n").arg(atPeak);
            if (run.optimization)
                m_html += QStringLiteral("<h3>Optimization</h3>\n") + optimizationHtml(*run.optimization);
            m_html += QStringLiteral("<h3>Layers</h3>\n") + layerTableHtml(run, maxLayerRows);
        }

        static int categoriesAtPeak(const StoredRun& run)
        {
            int count = 0;
            for (qint64 bytes : run.metrics.categoriesAtPeak)
                count += bytes != 0;
            return count;
        }

        const ReportInput& m_input;
        const MachineInfo& m_machine;
        QString m_html;
        QVector<ReportImage> m_images;
    };
}

Report buildReport(const ReportInput& input, const MachineInfo& machine) { return Builder(input, machine).build(); }

} // namespace memoscope
