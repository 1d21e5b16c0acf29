#pragma once
// A table of the report in plain HTML 4 attributes and a little CSS, which browsers and QTextDocument (the
// preview and the PDF) both render. Cells hold text, escaped here, or ready-made HTML.

#include <QColor>
#include <QString>
#include <QVector>

namespace memoscope {

struct HtmlCell {
    QString html; // already escaped
    bool number = false; // right-aligned
    QColor background; // none when invalid
    bool bold = false;
};

HtmlCell textCell(const QString& text);
HtmlCell numberCell(const QString& text, const QColor& background = {});
QString escaped(const QString& text);

class HtmlTable {
public:
    explicit HtmlTable(QString id = {}, QString cssClass = QStringLiteral("grid"));
    void setHeader(const QVector<HtmlCell>& cells);
    void addRow(const QVector<HtmlCell>& cells);
    int rowCount() const { return int(m_rows.size()); }
    QString toHtml() const;

private:
    QString m_id;
    QString m_class;
    QVector<HtmlCell> m_header;
    QVector<QVector<HtmlCell>> m_rows;
};

} // namespace memoscope
