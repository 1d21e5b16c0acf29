#pragma once
// The training run options as the run dialog and the workbench both offer them, worded and named once: a data
// set and whether to stream it, checkpoint segments, bf16 autocast. Object names are what the GUI tests find.

class QCheckBox;
class QLineEdit;
class QWidget;

namespace memoscope {

QLineEdit* dataSetEdit(QWidget* parent); // "trainingData"
QCheckBox* streamDataCheckBox(QWidget* parent); // "streamData"
QLineEdit* checkpointEdit(QWidget* parent); // "checkpoint"
QCheckBox* autocastCheckBox(QWidget* parent); // "amp"

} // namespace memoscope
