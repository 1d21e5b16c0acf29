// memoscope-cli sweep-batch MODEL.pt --input SPEC --batches 1,2,4,8,16 [--budget BYTES]: the peak at several
// batch sizes (each a stored run), a fitted line of fixed bytes plus bytes per sample, and, for a budget, the
// largest batch the line predicts, checked by real runs at that size and the next one up.

#include "CliContext.h"
#include "OpsLibraryOption.h"

#include "core/BatchSweep.h"
#include "core/ByteFormat.h"
#include "core/InputSpec.h"
#include "core/Store.h"
#include "profiler/Profiler.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTextStream>
#include <algorithm>
#include <cmath>
#include <map>

namespace memoscope {

namespace {
    struct SweepOptions {
        QCommandLineOption input { QStringLiteral("input"),
            QStringLiteral("One model input as for profile (SHAPE[:DTYPE][:LOW..HIGH]); its first dimension is the "
                           "batch and is replaced by each swept size. Repeat once per model input."),
            QStringLiteral("SPEC") };
        QCommandLineOption labels { QStringLiteral("labels"),
            QStringLiteral("Labels for a cross-entropy loss (a spec such as 8:int64:0..9); batch swept too."),
            QStringLiteral("SPEC") };
        QCommandLineOption batches { QStringLiteral("batches"),
            QStringLiteral("Batch sizes to measure, e.g. 1,2,4,8,16 (at least two different ones)."),
            QStringLiteral("LIST") };
        QCommandLineOption budget { QStringLiteral("budget"),
            QStringLiteral("Find the largest batch whose peak fits in BYTES (512M, 2G), checked by real runs."),
            QStringLiteral("BYTES") };
        QCommandLineOption mode { QStringLiteral("mode"), QStringLiteral("train (default) or inference."),
            QStringLiteral("MODE"), QStringLiteral("train") };
        QCommandLineOption optimizer { QStringLiteral("optimizer"), QStringLiteral("sgd (default) or adam."),
            QStringLiteral("NAME"), QStringLiteral("sgd") };
        QCommandLineOption iterations { QStringLiteral("iterations"),
            QStringLiteral("Measured iterations per batch size (default 1)."), QStringLiteral("N"),
            QStringLiteral("1") };
    };

    // The spec with its first (batch) dimension set to `batch`; empty when it has none to set.
    QString withBatch(const QString& text, int batch, QString* error)
    {
        std::optional<InputSpec> spec = InputSpec::parse(text, error);
        if (!spec)
            return {};
        if (!spec->isTensor() || spec->shape.isEmpty()) {
            *error = QStringLiteral("%1 has no batch dimension to sweep; give a shape such as 8x3x224x224").arg(text);
            return {};
        }
        spec->shape[0] = batch;
        return spec->toString();
    }

    struct Measured {
        int batch = 0;
        qint64 runId = -1;
        qint64 peakBytes = 0;
    };

    class Sweep {
    public:
        Sweep(const CliContext& cli, Store& store, RunConfig base, QStringList inputs, QString labels)
            : m_cli(cli)
            , m_store(store)
            , m_base(std::move(base))
            , m_inputs(std::move(inputs))
            , m_labels(std::move(labels))
        {
        }

        // Profiles at `batch` once (a later call for the same size reuses the run). Returns the exit code.
        int measure(int batch, Measured* result)
        {
            const auto known = m_measured.find(batch);
            if (known != m_measured.end()) {
                *result = known->second;
                return ExitOk;
            }
            RunConfig config = m_base;
            QString error;
            for (const QString& input : m_inputs) {
                config.inputs << withBatch(input, batch, &error);
                if (!error.isEmpty())
                    return m_cli.fail(ExitBadInput, QStringLiteral("--input %1").arg(error));
            }
            if (!m_labels.isEmpty()) {
                config.labels = withBatch(m_labels, batch, &error);
                if (!error.isEmpty())
                    return m_cli.fail(ExitBadInput, QStringLiteral("--labels %1").arg(error));
            }
            config.name = QStringLiteral("sweep-batch %1").arg(batch);
            const ProfileOutcome outcome = profileModel(config, m_store);
            if (outcome.exitCode != ExitOk)
                return m_cli.fail(outcome.exitCode, QStringLiteral("batch %1: %2").arg(batch).arg(outcome.message));
            const std::optional<StoredRun> run = m_store.load(outcome.runId, /*withEvents=*/false);
            if (!run)
                return m_cli.fail(ExitFailure, QStringLiteral("run %1 was not stored").arg(outcome.runId));
            *result = Measured { batch, outcome.runId, run->metrics.peakBytes };
            m_measured[batch] = *result;
            m_cli.note(QStringLiteral("batch %1: peak %2 (run %3)")
                           .arg(batch)
                           .arg(formatBytes(result->peakBytes))
                           .arg(outcome.runId));
            return ExitOk;
        }

    private:
        const CliContext& m_cli;
        Store& m_store;
        RunConfig m_base;
        QStringList m_inputs;
        QString m_labels;
        std::map<int, Measured> m_measured;
    };

    QJsonObject measuredJson(const Measured& measured, const BatchFit& fit)
    {
        QJsonObject json;
        json[QStringLiteral("batch")] = measured.batch;
        json[QStringLiteral("run_id")] = double(measured.runId);
        json[QStringLiteral("peak_bytes")] = double(measured.peakBytes);
        json[QStringLiteral("predicted_bytes")] = double(qint64(fit.predict(measured.batch)));
        return json;
    }
}

int runSweepBatchCommand(const CliContext& cli, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measure the peak at several batch sizes, fit fixed bytes plus bytes per sample, and find the largest "
        "batch that fits a budget, checked by real runs."));
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model file."));
    SweepOptions o;
    parser.addOptions({ o.input, o.labels, o.batches, o.budget, o.mode, o.optimizer, o.iterations,
        opsLibraryOption(), CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return cli.fail(ExitBadInput,
            QStringLiteral("sweep-batch needs exactly one model file, e.g. memoscope-cli "
                           "sweep-batch model.pt --input 8x3x224x224 --batches 1,2,4,8"));
    if (parser.values(o.input).isEmpty())
        return cli.fail(ExitBadInput, QStringLiteral("sweep-batch needs --input SPEC for each model input"));
    QVector<int> batches;
    // Every part must be a number: `1,,2` is a typo to point out, not two batch sizes.
    const QStringList batchTexts = parser.value(o.batches).isEmpty() ? QStringList() : parser.value(o.batches).split(QLatin1Char(','));
    for (const QString& text : batchTexts) {
        bool ok = false;
        const int batch = text.trimmed().toInt(&ok);
        if (!ok || batch < 1)
            return cli.fail(ExitBadInput,
                QStringLiteral("--batches must list whole numbers of at least 1 such as 1,2,4,8, not '%1'")
                    .arg(parser.value(o.batches)));
        if (!batches.contains(batch))
            batches << batch;
    }
    if (batches.size() < 2)
        return cli.fail(ExitBadInput,
            QStringLiteral("--batches needs at least two different batch sizes to fit a line, e.g. --batches 1,2,4,8"));
    qint64 budget = 0;
    if (parser.isSet(o.budget) && (!parseByteSize(parser.value(o.budget), &budget) || budget <= 0))
        return cli.fail(ExitBadInput,
            QStringLiteral("--budget must be a size in bytes such as 512M or 2G, not '%1'")
                .arg(parser.value(o.budget)));
    RunConfig base;
    base.modelPath = parser.positionalArguments().first();
    const std::optional<QStringList> libraries = loadOpsLibraries(cli, parser, &exitCode);
    if (!libraries)
        return exitCode;
    base.opsLibraries = *libraries;
    if (!parseMode(parser.value(o.mode), &base.mode))
        return cli.fail(
            ExitBadInput, QStringLiteral("--mode must be train or inference, not '%1'").arg(parser.value(o.mode)));
    if (!parseOptimizer(parser.value(o.optimizer), &base.optimizer))
        return cli.fail(
            ExitBadInput, QStringLiteral("--optimizer must be sgd or adam, not '%1'").arg(parser.value(o.optimizer)));
    bool ok = false;
    base.iterations = parser.value(o.iterations).toInt(&ok);
    if (!ok || base.iterations < 1)
        return cli.fail(ExitBadInput, QStringLiteral("--iterations must be a whole number of at least 1"));
    // Every input must have a batch dimension before anything runs.
    for (const QString& input : parser.values(o.input)) {
        QString error;
        withBatch(input, 1, &error);
        if (!error.isEmpty())
            return cli.fail(ExitBadInput, QStringLiteral("--input %1").arg(error));
    }

    std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadWrite);
    Sweep sweep(cli, *store, base, parser.values(o.input), parser.value(o.labels));
    QVector<Measured> measured;
    QVector<BatchPeak> peaks;
    for (int batch : batches) {
        Measured point;
        if (const int code = sweep.measure(batch, &point); code != ExitOk)
            return code;
        measured << point;
        peaks << BatchPeak { batch, point.peakBytes };
    }
    const BatchFit fit = fitBatchPeaks(peaks);
    if (!fit.valid)
        return cli.fail(ExitModelFailed,
            QStringLiteral("the peak does not grow with the batch size here, so no largest batch can be predicted"));

    // The prediction, then real runs around it until the largest batch that fits is next to one that does not.
    QVector<Measured> checks;
    int predicted = 0;
    int largest = 0;
    if (budget > 0) {
        predicted = fit.largestBatchWithin(budget);
        int batch = std::max(1, predicted);
        const int maxChecks = 8;
        Measured point;
        for (int step = 0; step < maxChecks; ++step) {
            if (const int code = sweep.measure(batch, &point); code != ExitOk)
                return code;
            checks << point;
            if (point.peakBytes > budget) {
                if (batch == 1 || largest == batch - 1)
                    break;
                // Down by as many samples as the overshoot is worth on the line, to the next size not known to fit.
                const int over = int(std::ceil(double(point.peakBytes - budget) / fit.bytesPerSample));
                batch = std::max({ 1, largest + 1, batch - std::max(1, over) });
            } else {
                largest = batch;
                ++batch;
                if (std::any_of(checks.begin(), checks.end(), [&](const Measured& m) { return m.batch == batch; }))
                    break;
            }
        }
    }

    if (parser.isSet(CliContext::jsonOption())) {
        QJsonObject json;
        json[QStringLiteral("model")] = base.modelPath;
        json[QStringLiteral("mode")] = modeName(base.mode);
        QJsonArray points;
        for (const Measured& point : measured)
            points.append(measuredJson(point, fit));
        json[QStringLiteral("batches")] = points;
        QJsonObject line;
        line[QStringLiteral("fixed_bytes")] = double(qint64(fit.fixedBytes));
        line[QStringLiteral("bytes_per_sample")] = double(qint64(fit.bytesPerSample));
        line[QStringLiteral("r_squared")] = fit.rSquared;
        json[QStringLiteral("fit")] = line;
        if (budget > 0) {
            json[QStringLiteral("budget_bytes")] = double(budget);
            json[QStringLiteral("predicted_largest_batch")] = predicted;
            json[QStringLiteral("largest_batch")] = largest;
            QJsonArray verification;
            for (const Measured& check : checks) {
                QJsonObject entry = measuredJson(check, fit);
                entry[QStringLiteral("fits")] = check.peakBytes <= budget;
                verification.append(entry);
            }
            json[QStringLiteral("verification")] = verification;
        }
        cli.printJson(json);
        return ExitOk;
    }
    QString text;
    QTextStream out(&text);
    out << "Batch  Peak        Predicted   Run\n";
    for (const Measured& point : measured)
        out << QStringLiteral("%1  %2  %3  %4\n")
                   .arg(point.batch, 5)
                   .arg(formatBytes(point.peakBytes), -10)
                   .arg(formatBytes(qint64(fit.predict(point.batch))), -10)
                   .arg(point.runId);
    out << "Fit: " << formatBytes(qint64(fit.fixedBytes)) << " fixed + " << formatBytes(qint64(fit.bytesPerSample))
        << " per sample (R^2 " << QString::number(fit.rSquared, 'f', 4) << ")\n";
    if (budget > 0) {
        out << "Budget " << formatBytes(budget) << ": predicted largest batch " << predicted << "\n";
        for (const Measured& check : checks)
            out << "  checked batch " << check.batch << ": measured " << formatBytes(check.peakBytes) << ", predicted "
                << formatBytes(qint64(fit.predict(check.batch))) << (check.peakBytes <= budget ? ", fits" : ", over")
                << " (run " << check.runId << ")\n";
        out << "Largest batch that fits: " << largest << "\n";
    }
    cli.print(text);
    return ExitOk;
}

} // namespace memoscope
