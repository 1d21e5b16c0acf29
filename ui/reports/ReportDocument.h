#pragma once
// Writing a Report: one self-contained HTML file (charts embedded as data: URIs, nothing referred to outside
// it) or a PDF (QTextDocument paginated on A4 and drawn with QPdfWriter: vector text, sharp charts, page
// numbers). Both are written atomically: a failed save leaves no file behind.

#include "Report.h"

#include <QByteArray>
#include <memory>
#include <optional>

class QTextDocument;

namespace memoscope {

enum class ReportFormat { Html, Pdf };

// By the file's extension: .html or .htm, .pdf; nullopt for anything else.
std::optional<ReportFormat> reportFormatOf(const QString& path);

QByteArray reportHtmlFile(const Report& report);
// The report as QTextDocument lays it out (the preview shows this; the PDF prints it), charts as resources.
std::unique_ptr<QTextDocument> reportTextDocument(const Report& report);
QByteArray reportPdfFile(const Report& report);

// In the format `path`'s extension names. On failure false, *error says why, and no file is left at `path`.
bool saveReport(const Report& report, const QString& path, QString* error);

} // namespace memoscope
