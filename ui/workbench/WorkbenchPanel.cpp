#include "WorkbenchPanel.h"

#include "TrainingOptionWidgets.h"
#include "RecommendationTable.h"
#include "WorkbenchAdvice.h"

#include "core/ByteFormat.h"
#include "core/advisor/Advisor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSlider>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace memoscope {

namespace {
    // Ratios in whole percent: finer steps change nothing a user can see in memory.
    QSlider* percentSlider(int maximum, QWidget* parent)
    {
        auto* slider = new QSlider(Qt::Horizontal, parent);
        slider->setRange(0, maximum);
        slider->setSingleStep(5);
        slider->setPageStep(10);
        slider->setTickInterval(10);
        slider->setTickPosition(QSlider::TicksBelow);
        return slider;
    }

    QWidget* sliderRow(QSlider* slider, QLabel* value, QWidget* parent)
    {
        auto* row = new QWidget(parent);
        auto* layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(slider, 1);
        value->setMinimumWidth(value->fontMetrics().horizontalAdvance(QStringLiteral("100 %")));
        layout->addWidget(value);
        return row;
    }

    // A combo box as wide as its longest choice would make the dock scroll sideways: it shows what fits and
    // the whole text in its drop-down.
    void fitNarrow(QComboBox* combo)
    {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(12);
    }

    QCheckBox* checkBox(const QString& text, const QString& tip, QWidget* parent)
    {
        auto* box = new QCheckBox(text, parent);
        box->setToolTip(tip);
        return box;
    }
}

WorkbenchPanel::WorkbenchPanel(QWidget* parent)
    : QWidget(parent)
    , m_target(new QLabel(tr("Open a run to optimize its model."), this))
    , m_summary(new QLabel(this))
    , m_apply(new QPushButton(tr("Apply and Rerun"), this))
    , m_outcome(new QLabel(this))
{
    m_target->setWordWrap(true);
    m_summary->setWordWrap(true);
    m_summary->setObjectName(QStringLiteral("workbenchSummary"));
    m_outcome->setWordWrap(true);
    m_outcome->setObjectName(QStringLiteral("workbenchOutcome"));
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_apply->setObjectName(QStringLiteral("applyAndRerun"));
    m_apply->setToolTip(tr("Transform the model in a worker process, then profile the original and the result the "
                           "same way and compare them"));
    connect(m_apply, &QPushButton::clicked, this, [this] {
        const WorkbenchSettings chosen = settings();
        m_predictedSavingOfLastApply.reset();
        if (m_advice)
            if (const std::optional<qint64> peak = m_advice->predictedPeakBytes(chosen))
                m_predictedSavingOfLastApply = m_advice->measuredPeakBytes() - *peak;
        Q_EMIT applyRequested(chosen);
    });
    connect(&m_adviceJob, &QFutureWatcher<std::shared_ptr<const WorkbenchAdvice>>::finished, this,
        &WorkbenchPanel::onAdviceBuilt);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_target);
    layout->addWidget(createRecommendations());
    layout->addWidget(createPruning());
    layout->addWidget(createPrecision());
    layout->addWidget(createDistillation());
    layout->addWidget(createLayers());
    layout->addWidget(m_training = createTraining());
    layout->addWidget(m_summary);
    layout->addWidget(m_apply);
    layout->addWidget(m_outcome);
    layout->addStretch(1);
    updateSummary();
}

QWidget* WorkbenchPanel::createPruning()
{
    auto* group = new QGroupBox(tr("Pruning"), this);
    m_structured = percentSlider(90, group);
    m_structured->setObjectName(QStringLiteral("structuredRatio"));
    m_structured->setToolTip(tr("Remove this share of Conv2d channels and Linear features: tensors really shrink"));
    m_structuredValue = new QLabel(group);
    m_ranking = new QComboBox(group);
    m_ranking->addItems({ tr("L1 norm"), tr("L2 norm") });
    m_global = new QCheckBox(tr("Rank across layers"), group);
    m_global->setToolTip(tr("One ranking over all layers instead of the same ratio in each"));
    m_unstructured = percentSlider(95, group);
    m_unstructured->setObjectName(QStringLiteral("unstructuredRatio"));
    m_unstructured->setToolTip(tr("Zero the smallest weights. Dense tensors keep every zero: memory does not drop"));
    m_unstructuredValue = new QLabel(group);
    m_sparse = new QCheckBox(tr("Store zeroed weights sparse"), group);
    m_sparse->setToolTip(tr("A mask and the non-zero values, densified where used: a smaller file"));

    auto* form = new QFormLayout(group);
    form->addRow(tr("Structured"), sliderRow(m_structured, m_structuredValue, group));
    form->addRow(tr("Rank by"), m_ranking);
    form->addRow(QString(), m_global);
    form->addRow(tr("Unstructured"), sliderRow(m_unstructured, m_unstructuredValue, group));
    form->addRow(QString(), m_sparse);
    for (QSlider* slider : { m_structured, m_unstructured })
        connect(slider, &QSlider::valueChanged, this, &WorkbenchPanel::updateSummary);
    for (QCheckBox* box : { m_global, m_sparse })
        connect(box, &QCheckBox::toggled, this, &WorkbenchPanel::updateSummary);
    connect(m_ranking, &QComboBox::currentIndexChanged, this, &WorkbenchPanel::updateSummary);
    return group;
}

QWidget* WorkbenchPanel::createPrecision()
{
    auto* group = new QGroupBox(tr("Precision"), this);
    m_precision = new QComboBox(group);
    m_precision->setObjectName(QStringLiteral("precision"));
    m_precision->addItem(tr("float32 (as is)"));
    m_precision->addItem(tr("bfloat16: parameters and compute"));
    m_precision->addItem(tr("float16: storage only, compute in float32"));
    m_precision->setItemData(2,
        tr("This CPU build of LibTorch has no float16 kernels for matmul, convolution or LayerNorm: weights are "
           "stored in float16 and upcast per layer"),
        Qt::ToolTipRole);
    m_quantization = new QComboBox(group);
    m_quantization->setObjectName(QStringLiteral("quantization"));
    m_quantization->addItems({ tr("none"), tr("int8 dynamic (Linear, LSTM, GRU)"),
        tr("int8 static (Conv2d, Linear; calibrated)"), tr("int8 weight-only storage") });
    fitNarrow(m_precision);
    fitNarrow(m_quantization);
    m_calibration = new QLineEdit(group);
    m_calibration->setPlaceholderText(tr("calibration data (random inputs when empty)"));
    auto* form = new QFormLayout(group);
    form->addRow(tr("Floating point"), m_precision);
    form->addRow(tr("Quantization"), m_quantization);
    form->addRow(tr("Calibration"), m_calibration);
    connect(m_precision, &QComboBox::currentIndexChanged, this, &WorkbenchPanel::updateSummary);
    connect(m_quantization, &QComboBox::currentIndexChanged, this, &WorkbenchPanel::updateSummary);
    return group;
}

QWidget* WorkbenchPanel::createDistillation()
{
    auto* group = new QGroupBox(tr("Distillation"), this);
    m_distill = new QCheckBox(tr("Win accuracy back from the original"), group);
    m_distill->setObjectName(QStringLiteral("distill"));
    m_distillData = new QLineEdit(group);
    m_distillData->setPlaceholderText(tr("demo-digits, a CSV, an image folder or a tensor file"));
    const WorkbenchSettings defaults;
    m_epochs = new QSpinBox(group);
    m_epochs->setRange(1, 1000);
    m_epochs->setValue(defaults.distillEpochs);
    m_epochs->setToolTip(tr("At most this many; training stops early when the held-out 20 % no longer improves, "
                            "and the best epoch's student is kept"));
    m_distillBatch = new QSpinBox(group);
    m_distillBatch->setRange(1, 65536);
    m_distillBatch->setValue(defaults.distillBatch);
    m_learningRate = new QDoubleSpinBox(group);
    m_learningRate->setDecimals(5);
    m_learningRate->setRange(0.00001, 1.0);
    m_learningRate->setSingleStep(0.0005);
    m_learningRate->setValue(defaults.distillLearningRate);
    m_distillOptimizer = new QComboBox(group);
    m_distillOptimizer->addItems({ tr("Adam"), tr("SGD with momentum") });
    m_distillOptimizer->setCurrentIndex(defaults.distillWithSgd ? 1 : 0);
    m_temperature = new QDoubleSpinBox(group);
    m_temperature->setRange(0.1, 100.0);
    m_temperature->setValue(defaults.distillTemperature);
    m_temperature->setToolTip(tr("Softens both models' outputs before they are compared (KL divergence)"));
    m_labelWeight = new QDoubleSpinBox(group);
    m_labelWeight->setRange(0.0, 1.0);
    m_labelWeight->setSingleStep(0.1);
    m_labelWeight->setValue(defaults.distillLabelWeight);
    m_labelWeight->setToolTip(tr("Share of the loss given to the labels (cross-entropy) when the data has them; "
                                 "the rest goes to matching the original"));
    fitNarrow(m_distillOptimizer);
    auto* form = new QFormLayout(group);
    form->addRow(m_distill);
    form->addRow(tr("Data"), m_distillData);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Batch size"), m_distillBatch);
    form->addRow(tr("Learning rate"), m_learningRate);
    form->addRow(tr("Optimizer"), m_distillOptimizer);
    form->addRow(tr("Temperature"), m_temperature);
    form->addRow(tr("Label weight"), m_labelWeight);
    connect(m_distill, &QCheckBox::toggled, this, &WorkbenchPanel::updateSummary);
    connect(m_distillData, &QLineEdit::textChanged, this, &WorkbenchPanel::updateSummary);
    return group;
}

QWidget* WorkbenchPanel::createLayers()
{
    auto* group = new QGroupBox(tr("Layers left as they are"), this);
    m_excluded = new QListWidget(group);
    m_excluded->setObjectName(QStringLiteral("excludedLayers"));
    m_excluded->setMaximumHeight(90);
    m_exclude = new QPushButton(tr("Exclude Selected Layer"), group);
    m_exclude->setToolTip(tr("Select a layer in the layer tree, then exclude it from every technique"));
    auto* remove = new QPushButton(tr("Remove"), group);
    connect(m_exclude, &QPushButton::clicked, this, [this] {
        if (!m_selectedLayer.isEmpty() && m_excluded->findItems(m_selectedLayer, Qt::MatchExactly).isEmpty())
            m_excluded->addItem(m_selectedLayer);
        updateSummary();
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        delete m_excluded->currentItem();
        updateSummary();
    });
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_exclude);
    buttons->addWidget(remove);
    auto* layout = new QVBoxLayout(group);
    layout->addWidget(m_excluded);
    layout->addLayout(buttons);
    return group;
}

QWidget* WorkbenchPanel::createRecommendations()
{
    auto* group = new QGroupBox(tr("Advisor"), this);
    m_recommendationModel = new RecommendationModel(group);
    m_recommendations = recommendationTable(m_recommendationModel, group);
    m_adviceNote = new QLabel(group);
    m_adviceNote->setWordWrap(true);
    auto* use = new QPushButton(tr("Use Recommendation"), group);
    connect(use, &QPushButton::clicked, this,
        [this] { useRecommendation(m_recommendations->currentIndex().row()); });
    connect(m_recommendations, &QTableView::doubleClicked, this,
        [this](const QModelIndex& index) { useRecommendation(index.row()); });
    auto* layout = new QVBoxLayout(group);
    layout->addWidget(m_recommendations);
    layout->addWidget(use);
    layout->addWidget(m_adviceNote);
    return group;
}

QWidget* WorkbenchPanel::createTraining()
{
    auto* group = new QGroupBox(tr("Training run options"), this);
    group->setToolTip(tr("These change how the model is trained, not the model: Apply and Rerun profiles it again"));
    m_checkpoint = checkpointEdit(group);
    m_checkpoint->setPlaceholderText(tr("none; auto, or modules: layer1,layer2"));
    m_checkpointSelected = new QPushButton(tr("Checkpoint Selected Layer"), group);
    m_checkpointSelected->setObjectName(QStringLiteral("checkpointSelected"));
    m_checkpointSelected->setEnabled(false);
    connect(m_checkpointSelected, &QPushButton::clicked, this, [this] {
        QStringList layers = m_checkpoint->text().split(QLatin1Char(','), Qt::SkipEmptyParts);
        layers.removeAll(QStringLiteral("auto"));
        const QString block = checkpointBlockOf(m_selectedLayer);
        if (!layers.contains(block))
            layers << block;
        m_checkpoint->setText(layers.join(QLatin1Char(',')));
    });
    m_amp = autocastCheckBox(group);
    m_batch = new QSpinBox(group);
    m_batch->setRange(0, 65536);
    m_batch->setSpecialValueText(tr("as the run"));
    m_sgd = checkBox(tr("SGD instead of Adam"),
        tr("SGD with momentum keeps one copy of the parameters as optimizer state; Adam keeps two"), group);
    m_data = dataSetEdit(group);
    m_stream = streamDataCheckBox(group);
    auto* form = new QFormLayout(group);
    form->addRow(tr("Checkpoint"), m_checkpoint);
    form->addRow(QString(), m_checkpointSelected);
    form->addRow(QString(), m_amp);
    form->addRow(tr("Batch"), m_batch);
    form->addRow(QString(), m_sgd);
    form->addRow(tr("Data"), m_data);
    form->addRow(QString(), m_stream);
    connect(m_checkpoint, &QLineEdit::textChanged, this, &WorkbenchPanel::updateSummary);
    connect(m_amp, &QCheckBox::toggled, this, &WorkbenchPanel::updateSummary);
    connect(m_sgd, &QCheckBox::toggled, this, &WorkbenchPanel::updateSummary);
    connect(m_batch, &QSpinBox::valueChanged, this, &WorkbenchPanel::updateSummary);
    connect(m_data, &QLineEdit::textChanged, this, &WorkbenchPanel::updateSummary);
    connect(m_stream, &QCheckBox::toggled, this, &WorkbenchPanel::updateSummary);
    group->setVisible(false); // until a training run is shown
    return group;
}

void WorkbenchPanel::setBaseline(const LoadedRunPtr& run)
{
    m_baseline = run->run;
    const RunSummary& summary = run->run.summary;
    m_target->setText(tr("Optimizing <b>%1</b> as run #%2 ran it (%3, peak %4).")
                          .arg(QFileInfo(summary.modelPath).fileName().toHtmlEscaped())
                          .arg(summary.id)
                          .arg(modeName(summary.config.mode))
                          .arg(formatBytes(run->run.metrics.peakBytes)));
    m_outcome->clear();
    const bool training = summary.config.mode == RunMode::Train;
    m_training->setVisible(training);
    // int8 weights are not trained here (no quantization-aware training): for inference runs only.
    if (training)
        m_quantization->setCurrentIndex(int(WorkbenchSettings::Quantization::None));
    m_quantization->setEnabled(!training);
    m_quantization->setToolTip(training ? tr("int8 models run inference only: profile an inference run to quantize")
                                        : QString());
    m_sgd->setEnabled(training && summary.config.optimizer == OptimizerKind::Adam);
    m_data->setPlaceholderText(summary.config.data.isEmpty()
            ? tr("random inputs, as run #%1 trained").arg(summary.id)
            : tr("%1, as run #%2 read it (%3)")
                  .arg(summary.config.data)
                  .arg(summary.id)
                  .arg(summary.config.dataReading == DataReading::Streamed ? tr("streamed") : tr("whole")));
    m_advice.reset();
    m_recommendationModel->clearData();
    m_adviceNote->setText(tr("The advisor is reading run #%1…").arg(summary.id));
    m_adviceFor = summary.id;
    m_adviceJob.setFuture(QtConcurrent::run([run, path = m_databasePath]() -> std::shared_ptr<const WorkbenchAdvice> {
        return std::make_shared<WorkbenchAdvice>(*run, path);
    }));
    updateSummary();
}

void WorkbenchPanel::onAdviceBuilt()
{
    std::shared_ptr<const WorkbenchAdvice> built = m_adviceJob.result();
    if (!built || !m_baseline || built->advice().runId != m_adviceFor || m_adviceFor != m_baseline->summary.id)
        return; // advice for a run that is no longer shown; the newer one is on its way
    m_advice = std::move(built);
    m_recommendationModel->resetData(m_advice->advice().recommendations);
    m_adviceNote->setText(m_advice->advice().recommendations.isEmpty()
            ? tr("The advisor has nothing to recommend for this run.")
            : tr("Listed %1. Hover for details; double-click one to switch it on below.").arg(recommendationOrder()));
    updateSummary();
    Q_EMIT adviceReady();
}

void WorkbenchPanel::useRecommendation(int index)
{
    if (!m_advice || index < 0 || index >= m_advice->advice().recommendations.size())
        return;
    const Recommendation& r = m_advice->advice().recommendations[index];
    WorkbenchSettings next = settings();
    QString error;
    if (!next.addPlan(r.plan, &error)) {
        m_adviceNote->setText(tr("%1: %2").arg(r.technique, error));
        return;
    }
    setSettings(next);
}

QString WorkbenchPanel::checkpointBlockOf(const QString& path)
{
    // A single layer keeps its input for backward anyway: checkpointing pays on a block of several. A click on
    // the timeline selects the innermost layer running then, so the block it belongs to is offered.
    return path.section(QLatin1Char('.'), 0, 0);
}

void WorkbenchPanel::setSelectedLayer(const QString& path)
{
    m_selectedLayer = path;
    m_exclude->setEnabled(!path.isEmpty());
    m_exclude->setText(path.isEmpty() ? tr("Exclude Selected Layer") : tr("Exclude %1").arg(path));
    const QString block = checkpointBlockOf(path);
    m_checkpointSelected->setEnabled(!block.isEmpty());
    m_checkpointSelected->setText(block.isEmpty() ? tr("Checkpoint Selected Layer") : tr("Checkpoint %1").arg(block));
}

void WorkbenchPanel::setBusy(bool busy)
{
    m_busy = busy;
    updateSummary();
}

void WorkbenchPanel::showOutcome(qint64 peakBefore, qint64 peakAfter, const QString& applied)
{
    m_outcome->setText(QStringLiteral("<b>%1</b>: %2")
                           .arg(applied.toHtmlEscaped(),
                               outcomeText(peakBefore, peakAfter, m_predictedSavingOfLastApply).toHtmlEscaped()));
}

WorkbenchSettings WorkbenchPanel::settings() const
{
    WorkbenchSettings s;
    s.structuredRatio = m_structured->value() / 100.0;
    s.l2Ranking = m_ranking->currentIndex() == 1;
    s.globalRanking = m_global->isChecked();
    s.unstructuredRatio = m_unstructured->value() / 100.0;
    s.sparseStorage = m_sparse->isChecked();
    s.distill = m_distill->isChecked();
    s.distillData = m_distillData->text();
    s.distillEpochs = m_epochs->value();
    s.distillBatch = m_distillBatch->value();
    s.distillLearningRate = m_learningRate->value();
    s.distillWithSgd = m_distillOptimizer->currentIndex() == 1;
    s.distillTemperature = m_temperature->value();
    s.distillLabelWeight = m_labelWeight->value();
    s.precision = WorkbenchSettings::Precision(m_precision->currentIndex());
    s.quantization = WorkbenchSettings::Quantization(m_quantization->currentIndex());
    s.calibrationData = m_calibration->text();
    for (int row = 0; row < m_excluded->count(); ++row)
        s.excludedLayers << m_excluded->item(row)->text();
    s.checkpoint = m_checkpoint->text().trimmed();
    s.ampBf16 = m_amp->isChecked();
    s.batch = m_batch->value();
    s.switchToSgd = m_sgd->isChecked() && m_sgd->isEnabled();
    s.data = m_data->text().trimmed();
    s.streamData = m_stream->isChecked();
    return s;
}

void WorkbenchPanel::setSettings(const WorkbenchSettings& s)
{
    m_structured->setValue(int(std::lround(s.structuredRatio * 100)));
    m_ranking->setCurrentIndex(s.l2Ranking ? 1 : 0);
    m_global->setChecked(s.globalRanking);
    m_unstructured->setValue(int(std::lround(s.unstructuredRatio * 100)));
    m_sparse->setChecked(s.sparseStorage);
    m_distill->setChecked(s.distill);
    if (!s.distillData.isEmpty())
        m_distillData->setText(s.distillData);
    m_epochs->setValue(s.distillEpochs);
    m_distillBatch->setValue(s.distillBatch);
    m_learningRate->setValue(s.distillLearningRate);
    m_distillOptimizer->setCurrentIndex(s.distillWithSgd ? 1 : 0);
    m_temperature->setValue(s.distillTemperature);
    m_labelWeight->setValue(s.distillLabelWeight);
    m_precision->setCurrentIndex(int(s.precision));
    m_quantization->setCurrentIndex(int(s.quantization));
    m_calibration->setText(s.calibrationData);
    m_excluded->clear();
    m_excluded->addItems(s.excludedLayers);
    m_checkpoint->setText(s.checkpoint);
    m_amp->setChecked(s.ampBf16);
    m_batch->setValue(s.batch);
    m_sgd->setChecked(s.switchToSgd);
    m_data->setText(s.data);
    m_stream->setChecked(s.streamData);
    updateSummary();
}

void WorkbenchPanel::updateSummary()
{
    m_structuredValue->setText(QStringLiteral("%1 %").arg(m_structured->value()));
    m_unstructuredValue->setText(QStringLiteral("%1 %").arg(m_unstructured->value()));
    const WorkbenchSettings s = settings();
    QString problem = s.problem();
    if (problem.isEmpty() && m_baseline)
        problem = s.rerunProblem(m_baseline->summary.config);
    QString text = problem;
    if (problem.isEmpty() && s.hasRunOptions())
        text = tr("Will profile again with: %1").arg(s.runOptions().join(QLatin1Char(' ')));
    else if (problem.isEmpty())
        text = tr("Will apply: %1").arg(s.applySteps().join(QStringLiteral(" → ")));
    if (problem.isEmpty() && m_advice) {
        if (const std::optional<qint64> peak = m_advice->predictedPeakBytes(s)) {
            const qint64 before = m_advice->measuredPeakBytes();
            text += tr("<br>Predicted peak %1 (saves %2, %3 %)")
                        .arg(formatBytes(*peak), formatBytes(before - *peak))
                        .arg(before > 0 ? 100.0 * double(before - *peak) / double(before) : 0.0, 0, 'f', 1);
        }
    }
    m_summary->setText(text);
    m_apply->setEnabled(problem.isEmpty() && m_baseline && !m_busy);
}

} // namespace memoscope
