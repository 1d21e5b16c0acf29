#include "MeasuredSaving.h"

#include "support/TestSupport.h"

#include <QJsonArray>
#include <cmath>

namespace memoscope::test {

QString Workload::label() const
{
    return QStringLiteral("%1 %2 %3").arg(model, mode, input)
        + (mode == QLatin1String("train") ? QStringLiteral(" ") + optimizer : QString());
}

double SavingCheck::relativeError() const
{
    return measuredSaving != 0 ? double(predictedSaving - measuredSaving) / double(std::llabs(measuredSaving)) : NAN;
}

namespace {
    QStringList profileOptions(const Workload& w)
    {
        return { QStringLiteral("--input"), w.input, QStringLiteral("--mode"), w.mode, QStringLiteral("--iterations"),
            QString::number(w.iterations) };
    }

    // The advisor's predicted saving for the recommendation whose settings are `lever`.
    qint64 predictedSaving(qint64 runId, const QString& lever, const QString& database, QString* error)
    {
        const CliResult advice = runCli({ QStringLiteral("advise"), QString::number(runId), QStringLiteral("--json"),
            QStringLiteral("--db"), database });
        if (advice.exitCode != 0) {
            *error = QStringLiteral("advise failed: ") + advice.err;
            return 0;
        }
        for (const QJsonValue& value : QJsonDocument::fromJson(advice.out.toUtf8()).array())
            if (value.toObject().value(QStringLiteral("settings")).toString() == lever)
                return qint64(value.toObject().value(QStringLiteral("predicted_saving_bytes")).toDouble());
        *error = QStringLiteral("the advisor did not recommend %1").arg(lever);
        return 0;
    }

    qint64 peakOf(qint64 runId, const QString& database)
    {
        const CliResult show = runCli({ QStringLiteral("show"), QString::number(runId), QStringLiteral("--json"),
            QStringLiteral("--db"), database });
        return qint64(show.json().value(QStringLiteral("peak_bytes")).toDouble());
    }
}

qint64 profileRun(const Workload& workload, const QString& database, const QStringList& extra, QString* error)
{
    QStringList arguments { QStringLiteral("profile"), fixture(workload.model) };
    arguments << profileOptions(workload) << QStringLiteral("--optimizer") << workload.optimizer << extra
              << QStringLiteral("--json") << QStringLiteral("--db") << database;
    // A later --input replaces the first: the batch lever passes its own.
    if (extra.contains(QStringLiteral("--input"))) {
        const int first = arguments.indexOf(QStringLiteral("--input"));
        arguments.remove(first, 2);
    }
    const CliResult result = runCli(arguments);
    if (result.exitCode != 0) {
        *error = QStringLiteral("profile failed: ") + result.err;
        return -1;
    }
    return qint64(result.json().value(QStringLiteral("run_id")).toDouble());
}

SavingCheck checkSaving(const Workload& workload, const QString& lever, const QString& database, const QString& folder)
{
    SavingCheck check;
    check.lever = lever;
    if (lever.startsWith(QLatin1String("--"))) {
        const qint64 baseline = profileRun(workload, database, {}, &check.error);
        if (baseline < 0)
            return check;
        check.predictedSaving = predictedSaving(baseline, lever, database, &check.error);
        const qint64 changed = profileRun(workload, database, lever.split(QLatin1Char(' ')), &check.error);
        if (changed < 0)
            return check;
        check.baselinePeak = peakOf(baseline, database);
        check.measuredSaving = check.baselinePeak - peakOf(changed, database);
        return check;
    }
    QStringList arguments { QStringLiteral("optimize"), fixture(workload.model), QStringLiteral("--apply"), lever,
        QStringLiteral("--out"),
        folder + QLatin1Char('/') + workload.model + QLatin1Char('-') + lever + QStringLiteral(".pt"),
        QStringLiteral("--profile"), QStringLiteral("--json"), QStringLiteral("--db"), database };
    arguments << profileOptions(workload);
    if (workload.mode == QLatin1String("train") && workload.optimizer != QLatin1String("sgd")) {
        check.error = QStringLiteral("optimize --profile trains with SGD only");
        return check;
    }
    const CliResult optimized = runCli(arguments);
    if (optimized.exitCode != 0) {
        check.error = QStringLiteral("optimize failed: ") + optimized.err;
        return check;
    }
    const QJsonObject record = optimized.json();
    const qint64 baseline = qint64(record.value(QStringLiteral("baseline_run_id")).toDouble());
    check.baselinePeak = qint64(record.value(QStringLiteral("peak_bytes_before")).toDouble());
    check.measuredSaving = check.baselinePeak - qint64(record.value(QStringLiteral("peak_bytes_after")).toDouble());
    check.predictedSaving = predictedSaving(baseline, lever, database, &check.error);
    return check;
}

} // namespace memoscope::test
