#include "RunPage.h"

#include "PeakView.h"
#include "core/ByteFormat.h"
#include "ui/charts/TimelineView.h"
#include "ui/models/LayerTreeModel.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace memoscope {

RunPage::RunPage(QWidget* parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_stackBy(new QComboBox(this))
    , m_timeline(new TimelineView(this))
    , m_layers(new LayerTreeModel(this))
    , m_sortedLayers(new QSortFilterProxyModel(this))
    , m_tree(new QTreeView(this))
    , m_peak(new PeakView(this))
{
    m_summary->setObjectName(QStringLiteral("runSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stackBy->addItem(tr("Stack by layer"), int(StackBy::Layer));
    m_stackBy->addItem(tr("Stack by category"), int(StackBy::Category));
    m_stackBy->addItem(tr("Stack by phase"), int(StackBy::Phase));
    connect(m_stackBy, &QComboBox::currentIndexChanged, this,
        [this] { m_timeline->setStackBy(StackBy(m_stackBy->currentData().toInt())); });

    m_sortedLayers->setSourceModel(m_layers);
    m_sortedLayers->setSortRole(LayerTreeModel::SortRole);
    m_tree->setModel(m_sortedLayers);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(-1, Qt::AscendingOrder); // module order until the user sorts
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(LayerTreeModel::LayerColumn, QHeaderView::ResizeToContents);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex& current) {
            const qint32 layerId = current.isValid() ? m_layers->layerIdAt(m_sortedLayers->mapToSource(current)) : -1;
            m_timeline->highlightLayer(layerId);
            Q_EMIT layerSelected(layerId);
        });
    connect(m_timeline, &TimelineView::layerClicked, this, &RunPage::selectLayer);
    connect(m_peak, &PeakView::layerSelected, this, &RunPage::selectLayer);

    auto* header = new QHBoxLayout;
    header->addWidget(m_summary, 1);
    header->addWidget(m_stackBy, 0, Qt::AlignTop);
    // Named: the main window restores splitters by name.
    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->setObjectName(QStringLiteral("runBottomSplitter"));
    bottom->addWidget(m_tree);
    bottom->addWidget(m_peak);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto* vertical = new QSplitter(Qt::Vertical, this);
    vertical->setObjectName(QStringLiteral("runSplitter"));
    vertical->addWidget(m_timeline);
    vertical->addWidget(bottom);
    // The timeline is what people look at first: it gets most of the height.
    m_timeline->setMinimumHeight(300);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    vertical->setSizes({ 600, 400 });
    bottom->setSizes({ 600, 400 });
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(vertical, 1);
}

void RunPage::showRun(const LoadedRunPtr& run)
{
    m_run = run;
    const StoredRun& stored = run->run;
    m_timeline->setTimeline(run->timeline, stored.metrics);
    m_layers->resetData(stored.trace.layers, stored.layerStats, std::max(1, stored.trace.iterationCount()));
    m_tree->expandToDepth(0);
    m_peak->setRun(stored);
    m_summary->setText(summaryText());
    m_summary->setToolTip(optimizationDetails());
}

void RunPage::setStackBy(StackBy by) { m_stackBy->setCurrentIndex(m_stackBy->findData(int(by))); }

void RunPage::selectLayer(qint32 layerId)
{
    const QModelIndex source = m_layers->indexOfLayer(layerId);
    if (!source.isValid())
        return;
    const QModelIndex index = m_sortedLayers->mapFromSource(source);
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
}

qint32 RunPage::selectedLayer() const
{
    const QModelIndex current = m_tree->currentIndex();
    return current.isValid() ? m_layers->layerIdAt(m_sortedLayers->mapToSource(current)) : -1;
}

QString RunPage::optimizationDetails() const
{
    if (!m_run->run.optimization)
        return {};
    const OptimizationRecord& o = *m_run->run.optimization;
    QString text;
    if (!o.prunedLayers.isEmpty())
        text += tr("<b>Cut</b> (channels before -> after)<br>%1").arg(o.prunedLayers.join(QStringLiteral("<br>")).toHtmlEscaped());
    if (!o.skippedLayers.isEmpty()) {
        text += tr("%1<b>Left as they were</b>").arg(text.isEmpty() ? QString() : QStringLiteral("<br><br>"));
        for (const SkippedLayerRecord& skipped : o.skippedLayers)
            text += QStringLiteral("<br>%1 (%2): %3")
                        .arg(skipped.layer.toHtmlEscaped(), skipped.technique.toHtmlEscaped(), skipped.reason.toHtmlEscaped());
    }
    return text;
}

QString RunPage::summaryText() const
{
    const StoredRun& run = m_run->run;
    const RunMetrics& m = run.metrics;
    const RunConfig& config = run.summary.config;
    QString text = tr("<b>Run %1</b> %2 &nbsp; <b>%3</b> &nbsp; %4, %5 iterations")
                       .arg(run.summary.id)
                       .arg(run.summary.name.toHtmlEscaped(), QFileInfo(run.summary.modelPath).fileName().toHtmlEscaped(),
                           config.mode == RunMode::Train ? tr("training step (%1)").arg(optimizerName(config.optimizer))
                                                         : tr("inference"))
                       .arg(config.iterations);
    if (run.optimization) {
        const OptimizationRecord& o = *run.optimization;
        text += tr(" &nbsp; <span style='color:#1b5e20'>optimized: %1 of %2 (baseline run %3)</span>")
                    .arg(o.applied.join(QStringLiteral(" → ")).toHtmlEscaped(),
                        QFileInfo(o.sourceModel).fileName().toHtmlEscaped())
                    .arg(o.baselineRunId);
        if (!o.accuracyByStep.isEmpty())
            text += tr("<br>accuracy %1").arg(accuracyByStepText(o).toHtmlEscaped());
        if (!o.prunedLayers.isEmpty() || !o.skippedLayers.isEmpty())
            text += tr("<br>%1 layers cut, %2 left as they were (hover for which and why)")
                        .arg(o.prunedLayers.size())
                        .arg(o.skippedLayers.size());
        // What a transform really does (fp16 computing in float32, say) is said where the run is shown.
        for (const QString& note : o.notes)
            if (!note.startsWith(QLatin1String("quantized engine")))
                text += QStringLiteral("<br><i>%1</i>").arg(note.toHtmlEscaped());
    }
    if (run.summary.status != RunStatus::Complete)
        text += tr(" &nbsp; <span style='color:#b00020'>%1: %2</span>")
                    .arg(statusName(run.summary.status), run.summary.error.toHtmlEscaped());
    text += tr("<br>Peak <b>%1</b> in %2%3 &nbsp;·&nbsp; parameters %4 &nbsp;·&nbsp; %5 ms per iteration "
               "&nbsp;·&nbsp; %6 events, %7 % attributed &nbsp;·&nbsp; process peak RSS %8")
                .arg(formatBytes(m.peakBytes), phaseName(m.peakPhase),
                    m.peakLayer.isEmpty() ? QString() : tr(", layer %1").arg(m.peakLayer.toHtmlEscaped()),
                    formatBytes(run.model.paramBytes))
                .arg(m.iterationMsMedian, 0, 'f', 2)
                .arg(m.eventCount)
                .arg(m.attributedFraction * 100, 0, 'f', 1)
                .arg(formatBytes(m.rssPeakBytes));
    return text;
}

} // namespace memoscope
