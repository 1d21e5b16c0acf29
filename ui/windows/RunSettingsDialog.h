#pragma once
// Asks how to run a model: one row per argument of its forward when `inspect` told its signature (a widget for
// each argument's type), else one per input (shape, type, range); validated exactly as the CLI does. Batch
// size, mode, optimizer, iterations, an optional memory limit; for training, a data set (whole or streamed),
// checkpoint segments and bf16 autocast. Pre-filled from the model's previous run, else from inspect's
// suggested inputs.

#include "core/ModelInspection.h"
#include "core/RunConfig.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace memoscope {

class InputSpecModel;

class RunSettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit RunSettingsDialog(const RunConfig& initial, QWidget* parent = nullptr);
    RunConfig config() const;
    // Rows from the model's signature, filled with the previous run's inputs when they fit it, else with the
    // inputs inspect suggested.
    void setModelInspection(const ModelInspection& inspection);
    InputSpecModel* inputs() const { return m_inputs; } // for tests

private:
    void updateValidity();

    RunConfig m_initial;
    InputSpecModel* m_inputs;
    QTableView* m_inputTable;
    QLabel* m_inputsLabel;
    QWidget* m_inputButtons;
    QSpinBox* m_batchSize;
    QComboBox* m_mode;
    QComboBox* m_optimizer;
    QLineEdit* m_labels;
    QLineEdit* m_data;
    QCheckBox* m_stream;
    QLineEdit* m_checkpoint;
    QCheckBox* m_amp;
    QSpinBox* m_iterations;
    QSpinBox* m_warmup;
    QLineEdit* m_memoryLimit;
    QLineEdit* m_name;
    QLabel* m_error;
    QPushButton* m_runButton;
};

} // namespace memoscope
