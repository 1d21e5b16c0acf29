#pragma once
// The optimization workbench: every technique as a switch or a ratio slider, the layers to leave alone (picked
// in the layer tree), and "Apply and rerun", which asks the main window to transform the shown run's model and
// profile it beside its baseline in the worker. After the rerun it shows what the change saved.

#include "WorkbenchSettings.h"
#include "core/Store.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSlider;
class QSpinBox;

namespace memoscope {

class WorkbenchPanel : public QWidget {
    Q_OBJECT
public:
    explicit WorkbenchPanel(QWidget* parent = nullptr);

    // The run the techniques apply to (its model, inputs, mode and iterations).
    void setBaseline(const StoredRun& run);
    const std::optional<StoredRun>& baseline() const { return m_baseline; }
    // The layer selected in the layer tree, offered to "Exclude".
    void setSelectedLayer(const QString& path);
    void setBusy(bool busy); // a job is running: nothing can be applied
    // After a rerun: the peaks before and after, shown as the measured saving.
    void showOutcome(qint64 peakBefore, qint64 peakAfter, const QString& applied);

    WorkbenchSettings settings() const;
    void setSettings(const WorkbenchSettings& settings);

Q_SIGNALS:
    void applyRequested(const WorkbenchSettings& settings);

private:
    QWidget* createPruning();
    QWidget* createPrecision();
    QWidget* createDistillation();
    QWidget* createLayers();
    void updateSummary();

    std::optional<StoredRun> m_baseline;
    QString m_selectedLayer;
    bool m_busy = false;
    QLabel* m_target;
    QSlider* m_structured;
    QLabel* m_structuredValue;
    QComboBox* m_ranking;
    QCheckBox* m_global;
    QSlider* m_unstructured;
    QLabel* m_unstructuredValue;
    QCheckBox* m_sparse;
    QComboBox* m_precision;
    QComboBox* m_quantization;
    QLineEdit* m_calibration;
    QCheckBox* m_distill;
    QLineEdit* m_distillData;
    QSpinBox* m_epochs;
    QListWidget* m_excluded;
    QPushButton* m_exclude;
    QLabel* m_summary;
    QPushButton* m_apply;
    QLabel* m_outcome;
};

} // namespace memoscope
