#include "Fidelity.h"

#include <QJsonValue>
#include <cmath>
#include <limits>

namespace memoscope {

namespace {
    QJsonValue number(double value) { return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null); }

    double numberOf(const QJsonValue& value, double fallback)
    {
        if (value.isNull())
            return std::numeric_limits<double>::quiet_NaN();
        return value.toDouble(fallback);
    }
}

QJsonObject FidelityReport::toJson() const
{
    QJsonObject json;
    json[QStringLiteral("max_abs_error")] = number(maxAbsError);
    json[QStringLiteral("mean_rel_error")] = number(meanRelativeError);
    json[QStringLiteral("cosine")] = number(cosine);
    json[QStringLiteral("top1_agreement")] = number(top1Agreement);
    json[QStringLiteral("samples")] = double(samples);
    if (accuracyBefore)
        json[QStringLiteral("accuracy_before")] = number(*accuracyBefore);
    if (accuracyAfter)
        json[QStringLiteral("accuracy_after")] = number(*accuracyAfter);
    return json;
}

FidelityReport FidelityReport::fromJson(const QJsonObject& json)
{
    FidelityReport report;
    report.maxAbsError = numberOf(json.value(QStringLiteral("max_abs_error")), report.maxAbsError);
    report.meanRelativeError = numberOf(json.value(QStringLiteral("mean_rel_error")), report.meanRelativeError);
    report.cosine = numberOf(json.value(QStringLiteral("cosine")), report.cosine);
    report.top1Agreement = numberOf(json.value(QStringLiteral("top1_agreement")), report.top1Agreement);
    report.samples = qint64(json.value(QStringLiteral("samples")).toDouble(0));
    if (json.contains(QStringLiteral("accuracy_before")))
        report.accuracyBefore = numberOf(json.value(QStringLiteral("accuracy_before")), 0);
    if (json.contains(QStringLiteral("accuracy_after")))
        report.accuracyAfter = numberOf(json.value(QStringLiteral("accuracy_after")), 0);
    return report;
}

} // namespace memoscope
