// memoscope-cli report on a run before and after an optimization: the HTML holds both runs, their timelines
// (embedded images), the comparison and the per-layer difference, and refers to nothing outside itself; the
// PDF renders; bad input is refused with nothing written. Also the report's Advice placeholder.

#include "OptimizedRuns.h"
#include "core/Store.h"
#include "core/ByteFormat.h"
#include "ui/reports/Report.h"
#include "ui/reports/ReportDocument.h"

#include <QDir>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {

QString readText(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// A chart, not a blank rectangle: many colours, and more than one in the middle row.
bool looksLikeAChart(const QImage& image)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    return colours.size() > 20;
}

QStringList attributeValues(const QString& html, const QString& attribute)
{
    QStringList values;
    // After white space, as attributes are: base64 text has none, so no data: URI can fake an attribute.
    const QRegularExpression pattern(
        QStringLiteral("(?<=\\s)%1\\s*=\\s*(\"([^\"]*)\"|'([^']*)'|([^\\s>]+))").arg(attribute),
        QRegularExpression::CaseInsensitiveOption);
    for (auto it = pattern.globalMatch(html); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        values << (match.capturedLength(2) ? match.captured(2)
                : match.capturedLength(3)  ? match.captured(3)
                                           : match.captured(4));
    }
    return values;
}

} // namespace

class TestReports : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runs = makeOptimizedRuns(m_dir);
        QVERIFY2(m_runs.ok(), qPrintable(m_runs.error));
        m_html = m_dir.filePath(QStringLiteral("report.html"));
        const CliResult result = report({ m_runs.baseline, m_runs.optimized }, m_html);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        m_text = readText(m_html);
        QVERIFY(!m_text.isEmpty());
    }

    void htmlHoldsBothRunsAndTheirTimelines()
    {
        for (qint64 run : { m_runs.baseline, m_runs.optimized }) {
            QVERIFY2(m_text.contains(QStringLiteral("id=\"run-%1\"").arg(run)), "a section per run");
            QVERIFY2(m_text.contains(QStringLiteral("alt=\"Live memory of run %1 over time").arg(run)), "its timeline");
            QVERIFY2(m_text.contains(QStringLiteral("id=\"layers-%1\"").arg(run)), "its layer table");
            QVERIFY2(m_text.contains(QStringLiteral("id=\"configuration-%1\"").arg(run)), "its configuration");
        }
        QVERIFY(m_text.contains(QStringLiteral("LibTorch")));
        QVERIFY(m_text.contains(QStringLiteral("Quantized engine")));
        QVERIFY(m_text.contains(QStringLiteral("Fidelity")));
        QVERIFY(m_text.contains(QStringLiteral("Top-1 agreement")));
        QVERIFY2(m_text.contains(QStringLiteral("id=\"advice\"")), "the advisor's recommendations for the runs");

        // Every image is an embedded PNG that draws something: the overlaid timelines, then per run its
        // timeline and its categories at the peak.
        const QStringList sources = attributeValues(m_text, QStringLiteral("src"));
        QCOMPARE(sources.size(), 5);
        for (const QString& source : sources) {
            QVERIFY(source.startsWith(QStringLiteral("data:image/png;base64,")));
            const QImage image = QImage::fromData(
                QByteArray::fromBase64(source.mid(source.indexOf(QLatin1Char(',')) + 1).toLatin1()), "PNG");
            QVERIFY(!image.isNull());
            QVERIFY(image.width() >= 1000); // drawn at twice the size shown, for print
            QVERIFY(looksLikeAChart(image));
        }
    }

    void htmlHoldsTheComparisonAndTheLayerDifference()
    {
        QVERIFY(m_text.contains(QStringLiteral("id=\"comparison-table\"")));
        QVERIFY(m_text.contains(QStringLiteral("Δ vs #%1").arg(m_runs.baseline)));
        const QString id = QStringLiteral("layer-difference-%1-%2").arg(m_runs.baseline).arg(m_runs.optimized);
        const int table = int(m_text.indexOf(QStringLiteral("id=\"%1\"").arg(id)));
        QVERIFY2(table >= 0, "the per-layer difference table");
        const QString rows = m_text.mid(table, m_text.indexOf(QStringLiteral("</table>"), table) - table);
        QVERIFY(rows.count(QStringLiteral("<tr>")) >= 2); // a header and at least one changed layer
        // int8-dynamic shrinks the Linear weights: a layer's parameters went down, shown as a negative difference.
        QVERIFY(rows.contains(QStringLiteral("Linear")));
        QVERIFY(rows.contains(QStringLiteral(">-")));
    }

    void htmlRefersToNothingOutsideItself()
    {
        QStringList ids
            = attributeValues(m_text, QStringLiteral("id")) + attributeValues(m_text, QStringLiteral("name"));
        for (const QString& source : attributeValues(m_text, QStringLiteral("src")))
            QVERIFY2(source.startsWith(QStringLiteral("data:")), qPrintable(source.left(80)));
        const QStringList links = attributeValues(m_text, QStringLiteral("href"));
        QVERIFY(!links.isEmpty()); // the table of contents
        for (const QString& link : links) {
            QVERIFY2(link.startsWith(QLatin1Char('#')), qPrintable(link));
            QVERIFY2(ids.contains(link.mid(1)), qPrintable(link));
        }
        for (const char* outside : { "<link", "<script", "@import", "url(", "file:", "http:", "https:" })
            QVERIFY2(!m_text.contains(QLatin1String(outside), Qt::CaseInsensitive), outside);
    }

    void pdfRendersToPages()
    {
        const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
        const CliResult result = report({ m_runs.baseline, m_runs.optimized }, pdf);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY(bytes.startsWith("%PDF"));
        for (const char* outside : { "/URI", "/Launch", "/GoToR", "/EmbeddedFile" })
            QVERIFY2(!bytes.contains(outside), outside);

        QProcess render;
        render.start(QStringLiteral(PDFTOPPM),
            { QStringLiteral("-png"), QStringLiteral("-r"), QStringLiteral("40"), pdf,
                m_dir.filePath(QStringLiteral("page")) });
        QVERIFY(render.waitForFinished(120000));
        QCOMPARE(render.exitCode(), 0);
        const QStringList pages
            = QDir(m_dir.path()).entryList({ QStringLiteral("page-*.png") }, QDir::Files, QDir::Name);
        QVERIFY2(pages.size() >= 3, qPrintable(pages.join(' '))); // the summary and comparison, then a page per run
        for (const QString& page : pages) {
            const QImage image(m_dir.filePath(page));
            QVERIFY(!image.isNull());
            QVERIFY(image.height() > image.width()); // A4 portrait
        }
        QVERIFY(looksLikeAChart(QImage(m_dir.filePath(pages.first()))));

        QProcess text;
        text.start(QStringLiteral(PDFTOTEXT), { pdf, QStringLiteral("-") });
        QVERIFY(text.waitForFinished(120000));
        // NFKC folds the ligatures the PDF writer uses ("ﬀ" in "difference") back into letters.
        const QString words = QString::fromUtf8(text.readAllStandardOutput()).normalized(QString::NormalizationForm_KC);
        QVERIFY2(words.contains(QStringLiteral("Per-layer difference")), qPrintable(words.left(400)));
        QVERIFY(words.contains(QStringLiteral("Run #%1").arg(m_runs.baseline)));
        QVERIFY(words.contains(QStringLiteral("Run #%1").arg(m_runs.optimized)));
    }

    void oneRunHasNoComparison()
    {
        const QString out = m_dir.filePath(QStringLiteral("one.html"));
        const CliResult result = report({ m_runs.optimized }, out);
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const QString html = readText(out);
        QVERIFY(html.contains(QStringLiteral("id=\"run-%1\"").arg(m_runs.optimized)));
        QVERIFY(!html.contains(QStringLiteral("id=\"comparison\"")));
        QCOMPARE(attributeValues(html, QStringLiteral("src")).size(), 2);
    }

    void badInputWritesNothing_data()
    {
        QTest::addColumn<QStringList>("runIds");
        QTest::addColumn<QString>("out");
        QTest::addColumn<QString>("message");
        const QString here = m_dir.filePath(QStringLiteral("bad.html"));
        QTest::newRow("missing run") << QStringList { "1", "4242" } << here << "there is no run 4242";
        QTest::newRow("not a run id") << QStringList { "first" } << here << "'first' is not a run id";
        QTest::newRow("no run") << QStringList {} << here << "report needs at least one run id";
        QTest::newRow("unknown format") << QStringList { "1" } << m_dir.filePath(QStringLiteral("bad.docx"))
                                        << "end the file name in .html or .pdf";
        QTest::newRow("folder missing") << QStringList { "1" } << "/nonexistent/dir/r.html"
                                        << "the folder /nonexistent/dir does not exist";
        QTest::newRow("unwritable folder, html") << QStringList { "1" } << unwritableFolder() + "/r.html"
                                                 << "cannot write /proc/r.html";
        const QString readOnly = readOnlyFolder(m_dir) + QStringLiteral("/r.html");
        QTest::newRow("read-only folder") << QStringList { "1" } << readOnly << "cannot write " + readOnly;
        QTest::newRow("unwritable folder, pdf") << QStringList { "1", "2" } << unwritableFolder() + "/r.pdf"
                                                << "cannot write /proc/r.pdf";
    }
    void badInputWritesNothing()
    {
        QFETCH(QStringList, runIds);
        QFETCH(QString, out);
        QFETCH(QString, message);
        const QStringList before = QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden);
        const CliResult result = runCli(QStringList { QStringLiteral("report") } + runIds
            + QStringList { QStringLiteral("--out"), out, QStringLiteral("--db"), m_runs.database });
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains(message), qPrintable(result.err));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0); // one message
        QVERIFY(!QFile::exists(out));
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden), before);
        const QString folder = QFileInfo(out).absolutePath();
        if (folder != m_dir.path() && folder.startsWith(m_dir.path())) // the read-only folder
            QVERIFY(QDir(folder).entryList(QDir::Files | QDir::Hidden).isEmpty());
    }

    // The advisor's recommendations for each run become the Advice section; a run without events gets none.
    void adviceSectionListsRecommendations()
    {
        Store store(m_runs.database);
        std::optional<StoredRun> withoutEvents = store.load(m_runs.baseline, false);
        QVERIFY(withoutEvents.has_value());
        ReportInput bare;
        bare.addRun(std::move(*withoutEvents));
        QVERIFY(bare.recommendations.isEmpty());
        QVERIFY(!buildReport(bare).html.contains(QStringLiteral("id=\"advice\"")));

        std::optional<StoredRun> run = store.load(m_runs.baseline, true);
        QVERIFY(run.has_value());
        ReportInput input;
        input.addRun(std::move(*run));
        QVERIFY(!input.recommendations.isEmpty());
        QVERIFY(input.recommendations.size() <= 5);
        for (const ReportRecommendation& recommendation : input.recommendations) {
            QCOMPARE(recommendation.runId, m_runs.baseline);
            QVERIFY(recommendation.predictedSavingBytes > 0);
        }
        const Report report = buildReport(input);
        QVERIFY(report.html.contains(QStringLiteral("id=\"advice\"")));
        QVERIFY(report.html.contains(QStringLiteral("id=\"advice-table\"")));
        const ReportRecommendation& best = input.recommendations.first();
        QVERIFY(report.html.contains(best.reason.toHtmlEscaped()));
        QVERIFY(report.html.contains(formatBytes(best.predictedSavingBytes)));
    }

private:
    CliResult report(const QVector<qint64>& runIds, const QString& out) const
    {
        QStringList arguments { QStringLiteral("report") };
        for (qint64 id : runIds)
            arguments << QString::number(id);
        return runCli(
            arguments + QStringList { QStringLiteral("--out"), out, QStringLiteral("--db"), m_runs.database });
    }

    QTemporaryDir m_dir;
    OptimizedRuns m_runs;
    QString m_html;
    QString m_text;
};

QTEST_MAIN(TestReports)
#include "tst_reports.moc"
