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

    // What was asked for: the base configuration, the sizes to sweep and the budget (0 for none).
    struct SweepRequest {
        RunConfig base;
        QVector<int> batches;
        qint64 budget = 0;
    };

    // `1,,2` is a typo to point out, not two batch sizes: every part must be a number. Empty on bad input.
    QString readBatches(const QString& list, QVector<int>* batches)
    {
        const QStringList texts = list.isEmpty() ? QStringList() : list.split(QLatin1Char(','));
        for (const QString& text : texts) {
            bool ok = false;
            const int batch = text.trimmed().toInt(&ok);
            if (!ok || batch < 1)
                return QStringLiteral("--batches must list whole numbers of at least 1 such as 1,2,4,8, not '%1'")
                    .arg(list);
            if (!batches->contains(batch))
                *batches << batch;
        }
        if (batches->size() < 2)
            return QStringLiteral(
                "--batches needs at least two different batch sizes to fit a line, e.g. --batches 1,2,4,8");
        return {};
    }

    // The request from the command line, or the one-line refusal of the first bad option.
    QString readRequest(const QCommandLineParser& parser, const SweepOptions& o, SweepRequest* request)
    {
        if (parser.positionalArguments().size() != 1)
            return QStringLiteral("sweep-batch needs exactly one model file, e.g. memoscope-cli "
                                  "sweep-batch model.pt --input 8x3x224x224 --batches 1,2,4,8");
        if (parser.values(o.input).isEmpty())
            return QStringLiteral("sweep-batch needs --input SPEC for each model input");
        if (const QString error = readBatches(parser.value(o.batches), &request->batches); !error.isEmpty())
            return error;
        if (parser.isSet(o.budget)
            && (!parseByteSize(parser.value(o.budget), &request->budget) || request->budget <= 0))
            return QStringLiteral("--budget must be a size in bytes such as 512M or 2G, not '%1'")
                .arg(parser.value(o.budget));
        RunConfig& base = request->base;
        base.modelPath = parser.positionalArguments().first();
        if (!parseMode(parser.value(o.mode), &base.mode))
            return QStringLiteral("--mode must be train or inference, not '%1'").arg(parser.value(o.mode));
        if (!parseOptimizer(parser.value(o.optimizer), &base.optimizer))
            return QStringLiteral("--optimizer must be sgd or adam, not '%1'").arg(parser.value(o.optimizer));
        bool ok = false;
        base.iterations = parser.value(o.iterations).toInt(&ok);
        if (!ok || base.iterations < 1)
            return QStringLiteral("--iterations must be a whole number of at least 1");
        // Every input must have a batch dimension before anything runs.
        for (const QString& input : parser.values(o.input)) {
            QString error;
            withBatch(input, 1, &error);
            if (!error.isEmpty())
                return QStringLiteral("--input %1").arg(error);
        }
        return {};
    }

    // Real runs around the line's prediction for `budget`, until the largest batch that fits is next to one that
    // does not. Returns the exit code; the runs made are appended to *checks.
    int checkBudget(Sweep& sweep, const BatchFit& fit, qint64 budget, QVector<Measured>* checks, int* largest)
    {
        int batch = std::max(1, fit.largestBatchWithin(budget));
        const int maxChecks = 8;
        Measured point;
        for (int step = 0; step < maxChecks; ++step) {
            if (const int code = sweep.measure(batch, &point); code != ExitOk)
                return code;
            *checks << point;
            if (point.peakBytes > budget) {
                if (batch == 1 || *largest == batch - 1)
                    break;
                // Down by as many samples as the overshoot is worth on the line, to the next size not known to fit.
                const int over = int(std::ceil(double(point.peakBytes - budget) / fit.bytesPerSample));
                batch = std::max({ 1, *largest + 1, batch - std::max(1, over) });
            } else {
                *largest = batch;
                ++batch;
                if (std::any_of(checks->begin(), checks->end(), [&](const Measured& m) { return m.batch == batch; }))
                    break;
            }
        }
        return ExitOk;
    }

    // What the sweep found, for printing.
    struct SweepResult {
        BatchFit fit;
        QVector<Measured> measured;
        QVector<Measured> checks;
        int predicted = 0;
        int largest = 0;
    };

    QJsonObject resultJson(const SweepRequest& request, const SweepResult& result)
    {
        QJsonObject json;
        json[QStringLiteral("model")] = request.base.modelPath;
        json[QStringLiteral("mode")] = modeName(request.base.mode);
        QJsonArray points;
        for (const Measured& point : result.measured)
            points.append(measuredJson(point, result.fit));
        json[QStringLiteral("batches")] = points;
        QJsonObject line;
        line[QStringLiteral("fixed_bytes")] = double(qint64(result.fit.fixedBytes));
        line[QStringLiteral("bytes_per_sample")] = double(qint64(result.fit.bytesPerSample));
        line[QStringLiteral("r_squared")] = result.fit.rSquared;
        json[QStringLiteral("fit")] = line;
        if (request.budget > 0) {
            json[QStringLiteral("budget_bytes")] = double(request.budget);
            json[QStringLiteral("predicted_largest_batch")] = result.predicted;
            json[QStringLiteral("largest_batch")] = result.largest;
            QJsonArray verification;
            for (const Measured& check : result.checks) {
                QJsonObject entry = measuredJson(check, result.fit);
                entry[QStringLiteral("fits")] = check.peakBytes <= request.budget;
                verification.append(entry);
            }
            json[QStringLiteral("verification")] = verification;
        }
        return json;
    }

    QString resultText(const SweepRequest& request, const SweepResult& result)
    {
        QString text;
        QTextStream out(&text);
        const BatchFit& fit = result.fit;
        out << "Batch  Peak        Predicted   Run\n";
        for (const Measured& point : result.measured)
            out << QStringLiteral("%1  %2  %3  %4\n")
                       .arg(point.batch, 5)
                       .arg(formatBytes(point.peakBytes), -10)
                       .arg(formatBytes(qint64(fit.predict(point.batch))), -10)
                       .arg(point.runId);
        out << "Fit: " << formatBytes(qint64(fit.fixedBytes)) << " fixed + " << formatBytes(qint64(fit.bytesPerSample))
            << " per sample (R^2 " << QString::number(fit.rSquared, 'f', 4) << ")\n";
        if (request.budget > 0) {
            out << "Budget " << formatBytes(request.budget) << ": predicted largest batch " << result.predicted << "\n";
            for (const Measured& check : result.checks)
                out << "  checked batch " << check.batch << ": measured " << formatBytes(check.peakBytes)
                    << ", predicted " << formatBytes(qint64(fit.predict(check.batch)))
                    << (check.peakBytes <= request.budget ? ", fits" : ", over") << " (run " << check.runId << ")\n";
            out << "Largest batch that fits: " << result.largest << "\n";
        }
        return text;
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
    parser.addOptions({ o.input, o.labels, o.batches, o.budget, o.mode, o.optimizer, o.iterations, opsLibraryOption(),
        CliContext::databaseOption(), CliContext::jsonOption() });
    int exitCode = ExitOk;
    if (!cli.parse(parser, arguments, &exitCode))
        return exitCode;
    SweepRequest request;
    if (const QString error = readRequest(parser, o, &request); !error.isEmpty())
        return cli.fail(ExitBadInput, error);
    const std::optional<QStringList> libraries = loadOpsLibraries(cli, parser, &exitCode);
    if (!libraries)
        return exitCode;
    request.base.opsLibraries = *libraries;

    std::unique_ptr<Store> store = cli.openStore(parser, StoreAccess::ReadWrite);
    Sweep sweep(cli, *store, request.base, parser.values(o.input), parser.value(o.labels));
    SweepResult result;
    QVector<BatchPeak> peaks;
    for (int batch : request.batches) {
        Measured point;
        if (const int code = sweep.measure(batch, &point); code != ExitOk)
            return code;
        result.measured << point;
        peaks << BatchPeak { batch, point.peakBytes };
    }
    result.fit = fitBatchPeaks(peaks);
    if (!result.fit.valid)
        return cli.fail(ExitModelFailed,
            QStringLiteral("the peak does not grow with the batch size here, so no largest batch can be predicted"));
    if (request.budget > 0) {
        result.predicted = result.fit.largestBatchWithin(request.budget);
        if (const int code = checkBudget(sweep, result.fit, request.budget, &result.checks, &result.largest);
            code != ExitOk)
            return code;
    }
    if (parser.isSet(CliContext::jsonOption()))
        cli.printJson(resultJson(request, result));
    else
        cli.print(resultText(request, result));
    return ExitOk;
}

} // namespace memoscope
