#include "HtmlTable.h"

namespace memoscope {

QString escaped(const QString& text) { return text.toHtmlEscaped(); }

HtmlCell textCell(const QString& text) { return HtmlCell { escaped(text), false, {}, false }; }

HtmlCell numberCell(const QString& text, const QColor& background)
{
    return HtmlCell { escaped(text), true, background, false };
}

HtmlTable::HtmlTable(QString id, QString cssClass)
    : m_id(std::move(id))
    , m_class(std::move(cssClass))
{
}

void HtmlTable::setHeader(const QVector<HtmlCell>& cells) { m_header = cells; }

void HtmlTable::addRow(const QVector<HtmlCell>& cells) { m_rows.append(cells); }

namespace {
    QColor tableBorderColour() { return QColor(0xc4, 0xca, 0xd3); }
    QColor headerColour() { return QColor(0xe8, 0xed, 0xf3); }

    QString cell(const char* tag, const HtmlCell& c)
    {
        QString attributes;
        if (c.number)
            attributes += QStringLiteral(" class=\"num\" align=\"right\"");
        const QColor background = c.background.isValid() ? c.background
            : qstrcmp(tag, "th") == 0                    ? headerColour()
                                                         : QColor();
        if (background.isValid())
            attributes += QStringLiteral(" bgcolor=\"%1\"").arg(background.name());
        const QString content = c.bold ? QStringLiteral("<b>%1</b>").arg(c.html) : c.html;
        return QStringLiteral("<%1%2>%3</%1>").arg(QLatin1String(tag), attributes, content);
    }
}

QString HtmlTable::toHtml() const
{
    // Attributes and inline style rather than the style sheet: QTextDocument draws thin single lines only for
    // a table that says border-collapse itself, and reads spacing and padding only from attributes.
    QString html = QStringLiteral("<table class=\"%1\"%2 border=\"1\" cellspacing=\"0\" cellpadding=\"3\" "
                                  "style=\"border-collapse: collapse; border-color: %3; border-style: solid\">\n")
                       .arg(m_class, m_id.isEmpty() ? QString() : QStringLiteral(" id=\"%1\"").arg(m_id),
                           tableBorderColour().name());
    if (!m_header.isEmpty()) {
        html += QStringLiteral("<thead><tr>");
        for (const HtmlCell& c : m_header)
            html += cell("th", c);
        html += QStringLiteral("</tr></thead>\n");
    }
    html += QStringLiteral("<tbody>\n");
    for (const QVector<HtmlCell>& row : m_rows) {
        html += QStringLiteral("<tr>");
        for (const HtmlCell& c : row)
            html += cell("td", c);
        html += QStringLiteral("</tr>\n");
    }
    html += QStringLiteral("</tbody></table>\n");
    return html;
}

} // namespace memoscope
