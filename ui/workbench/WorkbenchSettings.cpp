#include "WorkbenchSettings.h"

#include "core/Optimization.h"

namespace memoscope {

namespace {
    QString ratio(double value) { return QString::number(value, 'g', 3); }
}

QStringList WorkbenchSettings::applySteps() const
{
    QStringList steps;
    if (structuredRatio > 0) {
        QString step = QStringLiteral("prune-structured=") + ratio(structuredRatio);
        if (l2Ranking)
            step += QStringLiteral(":l2");
        if (globalRanking)
            step += QStringLiteral(":global");
        steps << step;
    }
    if (unstructuredRatio > 0)
        steps << QStringLiteral("prune-unstructured=") + ratio(unstructuredRatio)
                + (globalRanking ? QStringLiteral(":global") : QString());
    if (distill)
        steps << QStringLiteral("distill"); // recover what pruning cost, before precision is lowered
    switch (precision) {
    case Precision::BFloat16:
        steps << QStringLiteral("bf16");
        break;
    case Precision::Float16:
        steps << QStringLiteral("fp16");
        break;
    case Precision::Float32:
        break;
    }
    switch (quantization) {
    case Quantization::Dynamic:
        steps << QStringLiteral("int8-dynamic");
        break;
    case Quantization::Static:
        steps << QStringLiteral("int8-static");
        break;
    case Quantization::WeightOnly:
        steps << QStringLiteral("int8-weight-only");
        break;
    case Quantization::None:
        break;
    }
    return steps;
}

QString WorkbenchSettings::problem() const
{
    if (isEmpty())
        return QStringLiteral("Turn on at least one technique.");
    if (distill && distillData.trimmed().isEmpty())
        return QStringLiteral("Distillation needs data: demo-digits, a CSV file, an image folder or a tensor file.");
    return {};
}

QStringList WorkbenchSettings::optimizeArguments(
    const RunConfig& baseline, const QString& outPath, const QString& databasePath) const
{
    QStringList arguments { QStringLiteral("optimize"), baseline.modelPath };
    for (const QString& step : applySteps()) {
        if (step == QLatin1String("distill"))
            arguments << QStringLiteral("--distill") << distillData.trimmed();
        else
            arguments << QStringLiteral("--apply") << step;
    }
    if (distill)
        arguments << QStringLiteral("--epochs") << QString::number(distillEpochs);
    for (const QString& layer : excludedLayers)
        arguments << QStringLiteral("--exclude") << layer;
    if (quantization == Quantization::Static && !calibrationData.trimmed().isEmpty())
        arguments << QStringLiteral("--calibration") << calibrationData.trimmed();
    if (sparseStorage && unstructuredRatio > 0)
        arguments << QStringLiteral("--sparse");
    for (const QString& input : baseline.inputs)
        arguments << QStringLiteral("--input") << input;
    if (!baseline.quantizedEngine.isEmpty())
        arguments << QStringLiteral("--engine") << baseline.quantizedEngine;
    arguments << QStringLiteral("--out") << outPath << QStringLiteral("--profile") << QStringLiteral("--mode")
              << modeName(baseline.mode) << QStringLiteral("--iterations") << QString::number(baseline.iterations)
              << QStringLiteral("--json") << QStringLiteral("--progress") << QStringLiteral("--db") << databasePath;
    return arguments;
}

bool WorkbenchSettings::addSteps(const QStringList& steps, QString* error)
{
    for (const QString& text : steps) {
        const std::optional<TechniqueStep> step = TechniqueStep::parse(text, error);
        if (!step)
            return false;
        if (step->name == QLatin1String("prune-structured")) {
            structuredRatio = step->ratio;
            l2Ranking = step->l2;
            globalRanking = step->global;
        } else if (step->name == QLatin1String("prune-unstructured")) {
            unstructuredRatio = step->ratio;
            globalRanking = globalRanking || step->global;
        } else if (step->name == QLatin1String("distill")) {
            distill = true;
        } else if (step->name == QLatin1String("bf16")) {
            precision = Precision::BFloat16;
        } else if (step->name == QLatin1String("fp16")) {
            precision = Precision::Float16;
        } else if (step->name == QLatin1String("int8-dynamic")) {
            quantization = Quantization::Dynamic;
        } else if (step->name == QLatin1String("int8-static")) {
            quantization = Quantization::Static;
        } else if (step->name == QLatin1String("int8-weight-only")) {
            quantization = Quantization::WeightOnly;
        } else {
            *error = QStringLiteral("the workbench cannot apply %1").arg(text);
            return false;
        }
    }
    return true;
}

} // namespace memoscope
