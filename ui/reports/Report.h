#pragma once
// A report made once and written as HTML, as PDF, or shown in the preview. The HTML refers to its charts by
// name; writing the HTML file embeds them as data: URIs (one self-contained file), while the preview and the
// PDF hand them to QTextDocument as resources.

#include "MachineInfo.h"
#include "ReportInput.h"

#include <QImage>
#include <QString>
#include <QVector>

namespace memoscope {

struct ReportImage {
    QString name; // "chart-3.png", as in the HTML's src attributes
    QImage image;
};

struct Report {
    QString title;
    QString html;
    QVector<ReportImage> images;
};

// Draws the charts (needs a QApplication, see ReportCharts.h) and lays out every section.
Report buildReport(const ReportInput& input, const MachineInfo& machine = currentMachine());

} // namespace memoscope
