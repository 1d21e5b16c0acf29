#include "ComparePage.h"

#include "ui/charts/CompareTimelineView.h"
#include "ui/models/CompareModel.h"
#include "ui/models/LayerDiffModel.h"
#include "core/ByteFormat.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace memoscope {

namespace {
    QTableView* numberTable(QAbstractItemModel* model, QWidget* parent)
    {
        auto* table = new QTableView(parent);
        table->setModel(model);
        table->verticalHeader()->setVisible(false);
        table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
        // Differences stay next to the figures they compare instead of at the far edge of a stretched column.
        table->horizontalHeader()->setStretchLastSection(false);
        return table;
    }
}

ComparePage::ComparePage(QWidget* parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_alignPhases(new QCheckBox(tr("Align phases"), this))
    , m_timelines(new CompareTimelineView(this))
    , m_metrics(new CompareModel(this))
    , m_table(numberTable(m_metrics, this))
    , m_layerDiff(new LayerDiffModel(this))
    , m_runA(new QComboBox(this))
    , m_runB(new QComboBox(this))
    , m_layerDiffNote(new QLabel(this))
    , m_timingNote(new QLabel(this))
{
    m_timingNote->setObjectName(QStringLiteral("timingNote"));
    m_timingNote->setWordWrap(true);
    m_timingNote->setVisible(false);
    m_alignPhases->setObjectName(QStringLiteral("alignPhases"));
    m_alignPhases->setChecked(m_timelines->alignedByPhase());
    m_alignPhases->setToolTip(tr("Lay every run's forward, backward and optimizer phases onto the first run's, so "
                                 "memory is compared moment for moment whatever each run's speed"));
    connect(m_alignPhases, &QCheckBox::toggled, m_timelines, &CompareTimelineView::setAlignedByPhase);

    auto* tabs = new QTabWidget(this);
    tabs->addTab(m_table, tr("Metrics"));
    tabs->addTab(createLayerDiffTab(), tr("Layers"));

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("compareSplitter")); // the main window restores it by name
    splitter->addWidget(m_timelines);
    splitter->addWidget(tabs);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    // Three parts timelines to two parts tables from the start: stretch factors alone share only the space the
    // metrics table's tall size hint leaves over.
    splitter->setSizes({ 3000, 2000 });
    auto* header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_alignPhases);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_timingNote);
    layout->addWidget(splitter, 1);
}

QWidget* ComparePage::createLayerDiffTab()
{
    auto* tab = new QWidget(this);
    auto* proxy = new QSortFilterProxyModel(tab);
    proxy->setSourceModel(m_layerDiff);
    proxy->setSortRole(LayerDiffModel::SortRole);
    QTableView* table = numberTable(proxy, tab);
    table->setObjectName(QStringLiteral("layerDiffTable"));
    table->setSortingEnabled(true);
    table->sortByColumn(-1, Qt::AscendingOrder); // keep the model's order: largest change first
    m_runA->setObjectName(QStringLiteral("layerDiffRunA"));
    m_runB->setObjectName(QStringLiteral("layerDiffRunB"));
    connect(m_runA, &QComboBox::currentIndexChanged, this, &ComparePage::updateLayerDiff);
    connect(m_runB, &QComboBox::currentIndexChanged, this, &ComparePage::updateLayerDiff);
    m_layerDiffNote->setWordWrap(true);

    auto* choice = new QHBoxLayout;
    choice->addWidget(new QLabel(tr("Layers of"), tab));
    choice->addWidget(m_runB);
    choice->addWidget(new QLabel(tr("minus"), tab));
    choice->addWidget(m_runA);
    choice->addStretch(1);
    auto* layout = new QVBoxLayout(tab);
    layout->addLayout(choice);
    layout->addWidget(table, 1);
    layout->addWidget(m_layerDiffNote);
    return tab;
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
    QVector<RunSummary> summaries;
    for (const StoredRun& run : stored)
        summaries << run.summary;
    const QString apart = measuredApartNote(summaries);
    m_timingNote->setText(apart);
    m_timingNote->setVisible(!apart.isEmpty());

    const QSignalBlocker blockA(m_runA);
    const QSignalBlocker blockB(m_runB);
    m_runA->clear();
    m_runB->clear();
    m_runA->addItems(names);
    m_runB->addItems(names);
    compareLayers(0, runs.size() > 1 ? 1 : 0);
}

void ComparePage::compareLayers(int runA, int runB)
{
    {
        const QSignalBlocker blockA(m_runA);
        const QSignalBlocker blockB(m_runB);
        m_runA->setCurrentIndex(runA);
        m_runB->setCurrentIndex(runB);
    }
    updateLayerDiff();
}

void ComparePage::updateLayerDiff()
{
    const int a = m_runA->currentIndex();
    const int b = m_runB->currentIndex();
    if (a < 0 || b < 0 || a >= m_runs.size() || b >= m_runs.size()) {
        m_layerDiff->clearData();
        m_layerDiffNote->clear();
        return;
    }
    m_layerDiff->resetData(m_runs[a]->run, m_runs[b]->run);
    qint64 total = 0;
    for (const LayerDifference& difference : m_layerDiff->differences())
        total += difference.peakContributionDelta();
    m_layerDiffNote->setText(m_layerDiff->differences().isEmpty()
            ? tr("No layer differs between these runs.")
            : tr("Each layer's own figures (children excluded), largest change at the peak first. The layers' "
                 "changes at the peak add up to %1.")
                  .arg(formatByteDelta(total)));
}

QString ComparePage::timingNote() const { return m_timingNote->text(); }

QVector<qint64> ComparePage::runIds() const
{
    QVector<qint64> ids;
    for (const LoadedRunPtr& run : m_runs)
        ids << run->run.summary.id;
    return ids;
}

} // namespace memoscope
