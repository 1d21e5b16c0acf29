#pragma once
// The optimization workbench: every technique as a switch or a ratio slider, the layers to leave alone (picked
// in the layer tree), and "Apply and rerun", which asks the main window to transform the shown run's model and
// profile it beside its baseline in the worker. After the rerun it shows what the change saved.

#include "WorkbenchSettings.h"
#include "core/Store.h"
#include "ui/jobs/RunLoader.h"

#include <QFutureWatcher>
#include <QWidget>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QTableView;
class QPushButton;
class QSlider;
class QDoubleSpinBox;
class QSpinBox;

namespace memoscope {

class RecommendationModel;
class WorkbenchAdvice;

class WorkbenchPanel : public QWidget {
    Q_OBJECT
public:
    explicit WorkbenchPanel(QWidget* parent = nullptr);

    // The run the techniques apply to (its model, inputs, mode and iterations). The advisor's recommendations
    // for it follow in the background (adviceReady).
    void setBaseline(const LoadedRunPtr& run);
    // Where the advisor looks for accuracies earlier optimizations of the same model measured.
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    const std::optional<StoredRun>& baseline() const { return m_baseline; }
    // The layer selected in the layer tree, offered to "Exclude" and, when top-level, to checkpointing.
    void setSelectedLayer(const QString& path);
    void setBusy(bool busy); // a job is running: nothing can be applied
    // After a rerun: the peaks before and after, shown as the measured saving beside the predicted one.
    void showOutcome(qint64 peakBefore, qint64 peakAfter, const QString& applied);
    // What the advisor predicted the last applied settings would save, when it could predict them.
    std::optional<qint64> predictedSavingOfLastApply() const { return m_predictedSavingOfLastApply; }
    const WorkbenchAdvice* advice() const { return m_advice.get(); }
    // Fills the switches from the advisor's recommendation at `index` (one click in the list).
    void useRecommendation(int index);

    WorkbenchSettings settings() const;
    void setSettings(const WorkbenchSettings& settings);

Q_SIGNALS:
    void applyRequested(const WorkbenchSettings& settings);
    void adviceReady();

private:
    QWidget* createPruning();
    QWidget* createPrecision();
    QWidget* createDistillation();
    QWidget* createLayers();
    QWidget* createRecommendations();
    QWidget* createTraining();
    void onAdviceBuilt();
    void updateSummary();

    std::optional<StoredRun> m_baseline;
    std::shared_ptr<const WorkbenchAdvice> m_advice;
    QFutureWatcher<std::shared_ptr<const WorkbenchAdvice>> m_adviceJob;
    qint64 m_adviceFor = -1; // the run the advice being built is for
    std::optional<qint64> m_predictedSavingOfLastApply;
    QTableView* m_recommendations;
    RecommendationModel* m_recommendationModel;
    QLabel* m_adviceNote;
    static QString checkpointBlockOf(const QString& path); // the top-level block a selected layer is in
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
    QString m_databasePath;
    QCheckBox* m_distill;
    QLineEdit* m_distillData;
    QSpinBox* m_epochs;
    QSpinBox* m_distillBatch;
    QDoubleSpinBox* m_learningRate;
    QComboBox* m_distillOptimizer;
    QDoubleSpinBox* m_temperature;
    QDoubleSpinBox* m_labelWeight;
    QLineEdit* m_checkpoint;
    QPushButton* m_checkpointSelected;
    QCheckBox* m_amp;
    QSpinBox* m_batch;
    QCheckBox* m_sgd;
    QLineEdit* m_data;
    QCheckBox* m_stream;
    QWidget* m_training;
    QListWidget* m_excluded;
    QPushButton* m_exclude;
    QLabel* m_summary;
    QPushButton* m_apply;
    QLabel* m_outcome;
};

} // namespace memoscope
