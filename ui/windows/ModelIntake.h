#pragma once
// How a file the user opens becomes a model to run, in the worker (memoscope-cli) so that nothing of the model
// runs in the app: `inspect --json` tells at once whether it is a model, and gives its signature and suggested
// inputs for the run dialog; a Python file is first made TorchScript with `from-python`.

#include "core/ModelInspection.h"

#include <QObject>
#include <QStringList>

class QProcess;

namespace memoscope {

class ModelIntake : public QObject {
    Q_OBJECT
public:
    explicit ModelIntake(QString workerPath, QObject* parent = nullptr);

    void inspect(const QString& modelPath); // a newer request replaces one still running

    // The app's setting for --ops-library: shared libraries of custom operators loaded before every model
    // (inspect, from-python and each run).
    static QStringList operatorLibraries();
    static void setOperatorLibraries(const QStringList& paths);
    void exportFromPython(const QString& source, const QStringList& examples, const QString& outPath);

Q_SIGNALS:
    void inspected(const memoscope::ModelInspection& inspection); // the file is a model that loads
    void notAModel(const QString& path, const QString& message); // said at once, before any run dialog
    void exported(const QString& modelPath, const QStringList& examples, const QString& note);
    void exportFailed(const QString& message); // Python's own error when it could neither script nor trace

private:
    QProcess* start(const QStringList& arguments);

    QString m_workerPath;
    QProcess* m_process = nullptr;
};

} // namespace memoscope
