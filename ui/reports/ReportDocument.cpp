#include "ReportDocument.h"

#include "core/AtomicFile.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QTextDocument>
#include <QUrl>
#include <cmath>

namespace memoscope {

namespace {
    constexpr double pageMarginMm = 15;
    constexpr int pdfResolution = 300;

    QByteArray png(const QImage& image)
    {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "PNG");
        return bytes;
    }

    QString sourceAttribute(const QString& value) { return QStringLiteral("src=\"%1\"").arg(value); }
}

std::optional<ReportFormat> reportFormatOf(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm"))
        return ReportFormat::Html;
    if (suffix == QLatin1String("pdf"))
        return ReportFormat::Pdf;
    return std::nullopt;
}

QByteArray reportHtmlFile(const Report& report)
{
    QString html = report.html;
    for (const ReportImage& image : report.images)
        html.replace(sourceAttribute(image.name),
            sourceAttribute(
                QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png(image.image).toBase64())));
    return html.toUtf8();
}

std::unique_ptr<QTextDocument> reportTextDocument(const Report& report)
{
    auto document = std::make_unique<QTextDocument>();
    for (const ReportImage& image : report.images)
        document->addResource(QTextDocument::ImageResource, QUrl(image.name), image.image);
    document->setHtml(report.html);
    document->setMetaInformation(QTextDocument::DocumentTitle, report.title);
    return document;
}

QByteArray reportPdfFile(const Report& report)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setTitle(report.title);
        writer.setCreator(QStringLiteral("Memoscope"));
        writer.setResolution(pdfResolution);
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
            QMarginsF(pageMarginMm, pageMarginMm, pageMarginMm, pageMarginMm), QPageLayout::Millimeter));

        // Laid out at screen resolution on a page as wide as the report's content, then scaled onto the
        // printable area: the PDF looks like the preview.
        // In-page links would become PDF actions opening the URI "#summary", which viewers send to a browser:
        // the PDF keeps their text only.
        Report unlinked = report;
        unlinked.html.replace(
            QRegularExpression(QStringLiteral("<a href=\"#[^\"]*\">(.*?)</a>")), QStringLiteral("\\1"));
        std::unique_ptr<QTextDocument> document = reportTextDocument(unlinked);
        const QRect paint = writer.pageLayout().paintRectPixels(pdfResolution);
        const double width = 760; // the content (720 px) and the document's margins
        const double scale = paint.width() / width;
        // In layout pixels, like the document's own fonts: a point size would be taken at the PDF's resolution.
        QFont footerFont = document->defaultFont();
        footerFont.setPixelSize(9);
        const double footerHeight = 24; // in layout pixels
        const double pageHeight = paint.height() / scale - footerHeight;
        document->setPageSize(QSizeF(width, pageHeight));
        const int pages = document->pageCount();

        QPainter painter(&writer);
        for (int page = 0; page < pages; ++page) {
            if (page > 0)
                writer.newPage();
            painter.save();
            painter.scale(scale, scale);
            painter.translate(0, -page * pageHeight);
            const QRectF visible(0, page * pageHeight, width, pageHeight);
            QAbstractTextDocumentLayout::PaintContext context;
            context.clip = visible;
            painter.setClipRect(visible);
            document->documentLayout()->draw(&painter, context);
            painter.restore();

            painter.save();
            painter.scale(scale, scale);
            painter.setFont(footerFont);
            painter.setPen(QColor(0x70, 0x76, 0x80));
            const QRectF footer(0, pageHeight, width, footerHeight);
            painter.drawText(footer, Qt::AlignLeft | Qt::AlignBottom, report.title);
            painter.drawText(
                footer, Qt::AlignRight | Qt::AlignBottom, QStringLiteral("%1 / %2").arg(page + 1).arg(pages));
            painter.restore();
        }
    }
    return bytes;
}

bool saveReport(const Report& report, const QString& path, QString* error)
{
    const std::optional<ReportFormat> format = reportFormatOf(path);
    if (!format) {
        if (error)
            *error = QStringLiteral("cannot tell the report's format from %1: end the file name in .html or .pdf")
                         .arg(path);
        return false;
    }
    return writeFileAtomically(
        path, *format == ReportFormat::Html ? reportHtmlFile(report) : reportPdfFile(report), error);
}

} // namespace memoscope
