#pragma once
// The run pair every test here starts from: the demo model profiled before and after int8-dynamic
// quantization (memoscope-cli optimize --profile), stored in a database of the test's own.

#include "support/TestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>
#include <unistd.h>

namespace memoscope::test {

struct OptimizedRuns {
    QString database;
    QString optimizedModel;
    qint64 baseline = -1; // the original model's run
    qint64 optimized = -1; // the quantized model's run
    QString error; // why the pair could not be made

    bool ok() const { return error.isEmpty(); }
};

inline OptimizedRuns makeOptimizedRuns(const QTemporaryDir& dir)
{
    OptimizedRuns runs;
    runs.database = dir.filePath(QStringLiteral("runs.sqlite"));
    runs.optimizedModel = dir.filePath(QStringLiteral("digits_int8.pt"));
    const CliResult result
        = runCli({ QStringLiteral("optimize"), sourcePath(QStringLiteral("resources/demo/digits_cnn.pt")),
            QStringLiteral("--apply"), QStringLiteral("int8-dynamic"), QStringLiteral("--input"),
            QStringLiteral("32x64:float32:0..16"), QStringLiteral("--out"), runs.optimizedModel,
            QStringLiteral("--profile"), QStringLiteral("--db"), runs.database, QStringLiteral("--json") });
    if (result.exitCode != 0) {
        runs.error = QStringLiteral("optimize --profile failed (%1): %2").arg(result.exitCode).arg(result.err);
        return runs;
    }
    const QJsonObject record = result.json();
    runs.baseline = qint64(record.value(QStringLiteral("baseline_run_id")).toDouble(-1));
    runs.optimized = qint64(record.value(QStringLiteral("optimized_run_id")).toDouble(-1));
    if (runs.baseline < 0 || runs.optimized < 0)
        runs.error = QStringLiteral("optimize --profile printed no run ids: ") + result.out;
    return runs;
}

// `show RUN --json`, as scripts see a run.
inline QJsonObject shownRun(const OptimizedRuns& runs, qint64 runId)
{
    return runCli({ QStringLiteral("show"), QString::number(runId), QStringLiteral("--json"), QStringLiteral("--db"),
                      runs.database })
        .json();
}

// A folder nothing can be written to, even by root (who ignores permission bits): /proc.
inline QString unwritableFolder() { return QStringLiteral("/proc"); }

// A folder made read-only in `dir`; for root, whom permission bits do not stop, unwritableFolder().
inline QString readOnlyFolder(const QTemporaryDir& dir)
{
    if (geteuid() == 0)
        return unwritableFolder();
    const QString folder = dir.filePath(QStringLiteral("read-only"));
    QDir().mkpath(folder);
    QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
    return folder;
}

} // namespace memoscope::test
