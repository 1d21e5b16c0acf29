#include "TrainingOptionWidgets.h"

#include <QCheckBox>
#include <QCoreApplication>
#include <QLineEdit>

namespace memoscope {

namespace {
    QString tr(const char* text) { return QCoreApplication::translate("TrainingOptions", text); }
}

QLineEdit* dataSetEdit(QWidget* parent)
{
    auto* edit = new QLineEdit(parent);
    edit->setObjectName(QStringLiteral("trainingData"));
    edit->setToolTip(tr("A labelled data set whose batches replace random inputs: demo-digits, a CSV file "
                        "(features, then the label), a folder of images with one sub-folder per class, or a tensor "
                        "file. Its memory shows as the data category."));
    return edit;
}

QCheckBox* streamDataCheckBox(QWidget* parent)
{
    auto* box = new QCheckBox(tr("Stream it in batches"), parent);
    box->setObjectName(QStringLiteral("streamData"));
    box->setToolTip(
        tr("Read the data set batch by batch as training goes, instead of loading it whole before the first step"));
    return box;
}

QLineEdit* checkpointEdit(QWidget* parent)
{
    auto* edit = new QLineEdit(parent);
    edit->setObjectName(QStringLiteral("checkpoint"));
    edit->setToolTip(tr("Gradient checkpointing: these modules keep only their inputs in forward and compute "
                        "their activations again in backward"));
    return edit;
}

QCheckBox* autocastCheckBox(QWidget* parent)
{
    auto* box = new QCheckBox(tr("bfloat16 autocast"), parent);
    box->setObjectName(QStringLiteral("amp"));
    box->setToolTip(tr("Forward and backward in bfloat16 where autocast allows, with float32 master weights; the "
                       "loss and the optimizer step stay in float32"));
    return box;
}

} // namespace memoscope
