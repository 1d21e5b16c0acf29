#include "RunSettingsDialog.h"

#include "ArgumentDelegate.h"
#include "ModelIntake.h"
#include "core/ByteFormat.h"
#include "core/InputSpec.h"
#include "ui/models/InputSpecModel.h"
#include "ui/workbench/TrainingOptionWidgets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace memoscope {

namespace {
    // The type column offers the known types instead of free text.
    class TypeDelegate : public QStyledItemDelegate {
    public:
        using QStyledItemDelegate::QStyledItemDelegate;
        QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const override
        {
            auto* combo = new QComboBox(parent);
            combo->addItems(InputSpec::dtypeNames());
            return combo;
        }
        void setEditorData(QWidget* editor, const QModelIndex& index) const override
        {
            static_cast<QComboBox*>(editor)->setCurrentText(index.data(Qt::EditRole).toString());
        }
        void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override
        {
            model->setData(index, static_cast<QComboBox*>(editor)->currentText());
        }
    };
}

RunSettingsDialog::RunSettingsDialog(const RunConfig& initial, QWidget* parent)
    : QDialog(parent)
    , m_initial(initial)
    , m_inputs(new InputSpecModel(this))
{
    setWindowTitle(tr("Run %1").arg(QFileInfo(initial.modelPath).fileName()));
    m_inputs->setSpecs(initial.inputs.isEmpty() ? QStringList { QStringLiteral("1x3x224x224:float32") } : initial.inputs);

    m_inputTable = new QTableView(this);
    m_inputTable->setModel(m_inputs);
    m_inputTable->setItemDelegateForColumn(InputSpecModel::TypeColumn, new TypeDelegate(m_inputTable));
    m_inputTable->setItemDelegateForColumn(InputSpecModel::ShapeColumn, new ArgumentDelegate(m_inputTable));
    m_inputTable->horizontalHeader()->setSectionResizeMode(InputSpecModel::ShapeColumn, QHeaderView::Stretch);
    m_inputTable->verticalHeader()->setVisible(true);
    m_inputTable->setMinimumHeight(120);
    auto* addInput = new QPushButton(tr("Add input"), this);
    auto* removeInput = new QPushButton(tr("Remove input"), this);
    connect(addInput, &QPushButton::clicked, this, [this] { m_inputs->insertRows(m_inputs->rowCount(), 1); });
    connect(removeInput, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_inputTable->currentIndex();
        if (m_inputs->rowCount() > 1)
            m_inputs->removeRows(current.isValid() ? current.row() : m_inputs->rowCount() - 1, 1);
    });
    m_inputButtons = new QWidget(this);
    auto* inputButtons = new QHBoxLayout(m_inputButtons);
    inputButtons->setContentsMargins(0, 0, 0, 0);
    inputButtons->addWidget(addInput);
    inputButtons->addWidget(removeInput);
    inputButtons->addStretch();

    m_batchSize = new QSpinBox(this);
    m_batchSize->setRange(1, 1 << 20);
    m_batchSize->setValue(std::max(1, m_inputs->batchSize()));
    m_batchSize->setToolTip(tr("The first dimension of every input"));
    connect(m_batchSize, &QSpinBox::valueChanged, m_inputs, &InputSpecModel::setBatchSize);

    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("mode"));
    m_mode->addItem(tr("Inference"), modeName(RunMode::Inference));
    m_mode->addItem(tr("Training step"), modeName(RunMode::Train));
    m_mode->setCurrentIndex(initial.mode == RunMode::Train ? 1 : 0);
    m_optimizer = new QComboBox(this);
    m_optimizer->addItem(tr("SGD with momentum"), optimizerName(OptimizerKind::Sgd));
    m_optimizer->addItem(tr("Adam"), optimizerName(OptimizerKind::Adam));
    m_optimizer->setCurrentIndex(initial.optimizer == OptimizerKind::Adam ? 1 : 0);
    m_labels = new QLineEdit(initial.labels, this);
    m_labels->setPlaceholderText(tr("none: the loss is the mean of the output; e.g. 32:int64:0..9"));
    m_data = dataSetEdit(this);
    m_data->setText(initial.data);
    m_data->setPlaceholderText(tr("none: random inputs; or demo-digits, a CSV, images…"));
    m_stream = streamDataCheckBox(this);
    m_stream->setChecked(initial.dataReading == DataReading::Streamed);
    m_checkpoint = checkpointEdit(this);
    m_checkpoint->setText(initial.checkpoint == QLatin1String("none") ? QString() : initial.checkpoint);
    m_checkpoint->setPlaceholderText(tr("none; auto, budget=2G, or modules: layer1,layer2"));
    m_amp = autocastCheckBox(this);
    m_amp->setChecked(initial.amp == QLatin1String("bf16"));
    auto trainingOnly = [this] {
        const bool train = m_mode->currentData().toString() == modeName(RunMode::Train);
        for (QWidget* option : std::initializer_list<QWidget*> { m_optimizer, m_labels, m_data, m_stream,
                 m_checkpoint, m_amp })
            option->setEnabled(train);
    };
    connect(m_mode, &QComboBox::currentIndexChanged, this, trainingOnly);
    trainingOnly();

    m_iterations = new QSpinBox(this);
    m_iterations->setRange(1, 100000);
    m_iterations->setValue(initial.iterations);
    m_warmup = new QSpinBox(this);
    m_warmup->setRange(0, 1000);
    m_warmup->setValue(initial.warmup);
    m_memoryLimit = new QLineEdit(initial.memoryLimitBytes > 0 ? QString::number(initial.memoryLimitBytes) : QString(), this);
    m_memoryLimit->setPlaceholderText(tr("none; e.g. 512M or 2G"));
    m_name = new QLineEdit(initial.name, this);

    auto* form = new QFormLayout;
    form->addRow(tr("Model"), new QLabel(initial.modelPath, this));
    form->addRow(tr("Batch size"), m_batchSize);
    form->addRow(tr("Mode"), m_mode);
    form->addRow(tr("Optimizer"), m_optimizer);
    form->addRow(tr("Labels"), m_labels);
    form->addRow(tr("Data set"), m_data);
    form->addRow(QString(), m_stream);
    form->addRow(tr("Checkpoint"), m_checkpoint);
    form->addRow(QString(), m_amp);
    form->addRow(tr("Measured iterations"), m_iterations);
    form->addRow(tr("Warm-up iterations"), m_warmup);
    form->addRow(tr("Memory limit"), m_memoryLimit);
    form->addRow(tr("Run name"), m_name);

    m_error = new QLabel(this);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_runButton = buttons->addButton(tr("Run"), QDialogButtonBox::AcceptRole);
    m_runButton->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    m_inputsLabel = new QLabel(tr("Inputs, one row per model input (shape, type, value range):"), this);
    m_inputsLabel->setWordWrap(true);
    layout->addWidget(m_inputsLabel);
    layout->addWidget(m_inputTable);
    layout->addWidget(m_inputButtons);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(m_inputs, &QAbstractItemModel::dataChanged, this, &RunSettingsDialog::updateValidity);
    connect(m_inputs, &QAbstractItemModel::rowsInserted, this, &RunSettingsDialog::updateValidity);
    connect(m_inputs, &QAbstractItemModel::rowsRemoved, this, &RunSettingsDialog::updateValidity);
    connect(m_inputs, &QAbstractItemModel::modelReset, this, &RunSettingsDialog::updateValidity);
    connect(m_labels, &QLineEdit::textChanged, this, &RunSettingsDialog::updateValidity);
    connect(m_memoryLimit, &QLineEdit::textChanged, this, &RunSettingsDialog::updateValidity);
    updateValidity();
    resize(560, 640);
}

void RunSettingsDialog::setModelInspection(const ModelInspection& inspection)
{
    if (!inspection.loads)
        return;
    // The previous run's inputs when they still fit the signature (a rerun), else the suggestion.
    QVector<InputSpec> previous;
    QString error;
    for (const QString& text : m_initial.inputs)
        if (const std::optional<InputSpec> spec = InputSpec::parse(text, &error))
            previous << *spec;
    const bool reuse = !m_initial.inputs.isEmpty() && previous.size() == m_initial.inputs.size()
        && inspection.signature.check(previous, &error);
    m_inputs->setSignature(inspection.signature, reuse ? m_initial.inputs : inspection.suggestedInputs);
    m_batchSize->setValue(std::max(1, m_inputs->batchSize()));
    m_inputButtons->setVisible(false);
    m_inputsLabel->setText(tr("Arguments of %1, one row each (empty: the default). %2")
                               .arg(inspection.signature.toString().toHtmlEscaped(),
                                   reuse ? tr("Filled in from the last run.") : inspection.suggestionNote.toHtmlEscaped()));
    m_inputTable->resizeColumnsToContents();
    m_inputTable->horizontalHeader()->setSectionResizeMode(InputSpecModel::ShapeColumn, QHeaderView::Stretch);
}

void RunSettingsDialog::updateValidity()
{
    QString error;
    qint64 limit = 0;
    QString labelError;
    if (!m_inputs->isValid())
        error = m_inputs->errorText();
    else if (!m_memoryLimit->text().trimmed().isEmpty() && !parseByteSize(m_memoryLimit->text(), &limit))
        error = tr("The memory limit must be a size such as 1073741824, 512M or 2G.");
    else if (m_labels->isEnabled() && !m_labels->text().trimmed().isEmpty()
        && !InputSpec::parse(m_labels->text(), &labelError))
        error = tr("Labels: %1").arg(labelError);
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    m_runButton->setEnabled(error.isEmpty());
}

RunConfig RunSettingsDialog::config() const
{
    RunConfig config = m_initial;
    config.inputs = m_inputs->specs();
    if (config.opsLibraries.isEmpty())
        config.opsLibraries = ModelIntake::operatorLibraries();
    parseMode(m_mode->currentData().toString(), &config.mode);
    parseOptimizer(m_optimizer->currentData().toString(), &config.optimizer);
    const bool train = config.mode == RunMode::Train;
    config.labels = train ? m_labels->text().trimmed() : QString();
    config.data = train ? m_data->text().trimmed() : QString();
    config.dataReading = m_stream->isChecked() ? DataReading::Streamed : DataReading::InMemory;
    config.checkpoint = train ? m_checkpoint->text().trimmed() : QString();
    config.amp = train && m_amp->isChecked() ? QStringLiteral("bf16") : QString();
    config.iterations = m_iterations->value();
    config.warmup = m_warmup->value();
    config.memoryLimitBytes = 0;
    if (!m_memoryLimit->text().trimmed().isEmpty())
        parseByteSize(m_memoryLimit->text(), &config.memoryLimitBytes);
    config.name = m_name->text().trimmed();
    return config;
}

} // namespace memoscope
