#include "ComparePage.h"

#include "ui/charts/CompareTimelineView.h"
#include "ui/models/CompareModel.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace memoscope {

ComparePage::ComparePage(QWidget* parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_timelines(new CompareTimelineView(this))
    , m_metrics(new CompareModel(this))
    , m_table(new QTableView(this))
{
    m_table->setModel(m_metrics);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_timelines);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(splitter, 1);
}

void ComparePage::showRuns(const QVector<LoadedRunPtr>& runs)
{
    m_runs = runs;
    QVector<std::shared_ptr<const Timeline>> timelines;
    QVector<StoredRun> stored;
    QStringList names;
    for (const LoadedRunPtr& run : runs) {
        timelines << run->timeline;
        stored << run->run;
        const RunSummary& summary = run->run.summary;
        names << QStringLiteral("#%1 %2").arg(summary.id).arg(
            summary.name.isEmpty() ? QFileInfo(summary.modelPath).fileName() : summary.name);
    }
    m_title->setText(tr("<b>Comparing %1 runs</b>: %2; differences are against the first.")
                         .arg(runs.size())
                         .arg(names.join(QStringLiteral(", ")).toHtmlEscaped()));
    m_timelines->setRuns(timelines, names);
    m_metrics->resetData(stored);
}

QVector<qint64> ComparePage::runIds() const
{
    QVector<qint64> ids;
    for (const LoadedRunPtr& run : m_runs)
        ids << run->run.summary.id;
    return ids;
}

} // namespace memoscope
