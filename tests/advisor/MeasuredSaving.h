#pragma once
// Predicted against measured, through memoscope-cli as a user would run it: profile a model, ask the advisor
// what a lever saves, then apply the lever for real (optimize --apply ... --profile, or the profile option)
// and measure. Shared by the end-to-end test and the prediction-error benchmark.

#include <QString>
#include <QStringList>

namespace memoscope::test {

struct Workload {
    QString model; // a fixture name, e.g. "resnet18"
    QString input; // "2x3x64x64"
    QString mode = QStringLiteral("inference");
    QString optimizer = QStringLiteral("sgd");
    int iterations = 2;
    QString label() const;
};

struct SavingCheck {
    QString lever; // the recommendation's settings, e.g. "int8-dynamic" or "--optimizer sgd"
    qint64 baselinePeak = 0;
    qint64 predictedSaving = 0;
    qint64 measuredSaving = 0;
    QString error; // set when something failed; the figures are then meaningless
    double relativeError() const; // (predicted - measured) / measured
};

// Profiles the workload into `database` and returns the run id, or -1 with *error set.
qint64 profileRun(const Workload& workload, const QString& database, const QStringList& extra, QString* error);

// For an --apply step: `optimize --apply STEP --profile` (which profiles the original and the result the same
// way), then the advisor on that baseline run. For a profile option ("--optimizer sgd", "--input ..."): the
// baseline profiled as is and again with the option.
SavingCheck checkSaving(const Workload& workload, const QString& lever, const QString& database, const QString& folder);

} // namespace memoscope::test
