#include "ProgressLines.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

namespace memoscope {

namespace {
    void printLine(const QJsonObject& json)
    {
        std::fprintf(stderr, "%s\n", QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
        std::fflush(stderr);
    }
}

void printProfileProgress(const ProfileProgress& progress)
{
    QJsonObject json;
    json[QStringLiteral("stage")] = stageName(progress.stage);
    json[QStringLiteral("run_id")] = double(progress.runId);
    json[QStringLiteral("iteration")] = progress.iteration;
    json[QStringLiteral("total")] = progress.total;
    printLine(json);
}

void printStepProgress(const QString& step)
{
    QJsonObject json;
    json[QStringLiteral("stage")] = QStringLiteral("optimizing");
    json[QStringLiteral("step")] = step;
    printLine(json);
}

} // namespace memoscope
