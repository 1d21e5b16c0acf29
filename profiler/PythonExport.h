#pragma once
// `memoscope-cli from-python`: a model written in Python turned into a TorchScript file with the machine's
// python3 and torch (profiler/python/export_model.py). It is scripted, and traced with the example inputs
// when scripting fails. Free of LibTorch types, for app/.

#include <QString>
#include <QStringList>

namespace memoscope {

struct PythonExportRequest {
    QString source; // an expression (torchvision.models.resnet50()) or PATH.py:FUNCTION
    QStringList examples; // input specs, made into example inputs for tracing
    QString outPath;
    QString python; // empty: $MEMOSCOPE_PYTHON, else /usr/bin/python3, else python3 on PATH
};

struct PythonExport {
    QString method; // "script" or "trace"
    QString scriptError; // why scripting failed, when it was traced
    double seconds = 0;
};

// Writes outPath whole or not at all. Throws ProfileError(ExitBadInput) with Python's own error when the
// model cannot be made, or neither scripted nor traced.
PythonExport exportFromPython(const PythonExportRequest& request);
QString pythonForExport(const QString& requested);

} // namespace memoscope
