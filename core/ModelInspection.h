#pragma once
// What `memoscope-cli inspect` finds out about a model file before running it: the archive's format, the forward
// signature, the weights (parameters, buffers, and those held as constants or packed objects), the operators its
// code calls grouped by library (those this build cannot run marked), and a ready --input line. The profiler
// fills it; the CLI prints it and the GUI reads it back from `inspect --json`.

#include "ModelSignature.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace memoscope {

struct OperatorLibraryUse {
    QString library; // the namespace: "aten", "torchvision", "quantized"
    QStringList operators; // called by the code, without the namespace
    QStringList missing; // of those, the ones this build cannot run
    QString providedBy; // where the library's operators come from ("LibTorch", a loaded file, "Memoscope")
};

struct ModelInspection {
    QString path;
    qint64 fileBytes = 0;
    int formatVersion = 0; // the archive's file format version; 0 when it could not be read
    int maximumFormatVersion = 0; // the newest this LibTorch reads
    QString writtenBy; // what the archive records about the PyTorch that wrote it
    bool loads = false;
    QString loadError; // why it does not load, when it does not

    ModelSignature signature;
    qint64 parameterBytes = 0; // trainable parameters (registered ones only)
    qint64 parameterCount = 0;
    qint64 bufferBytes = 0;
    qint64 bufferCount = 0;
    qint64 constantBytes = 0; // weights held as constants of the code or in packed objects
    qint64 constantCount = 0;
    int layerCount = 0; // modules, the root included

    QVector<OperatorLibraryUse> operators;
    QStringList suppliedOperators; // supplied by Memoscope because this LibTorch lacks them
    QStringList operatorLibraries; // shared libraries loaded before the model

    QStringList suggestedInputs; // one spec per argument to pass; placeholders where a shape cannot be known
    bool suggestionChecked = false; // the model ran once on them
    QString suggestionNote; // what the suggestion could not know, or how it was checked

    QJsonObject toJson() const;
    static ModelInspection fromJson(const QJsonObject& json);
    QString toText() const;
    // The --input arguments as a shell takes them: "--input '[3x320x320]' --input int:0".
    QString inputArguments() const;
};

} // namespace memoscope
