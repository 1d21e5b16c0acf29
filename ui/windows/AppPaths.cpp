#include "AppPaths.h"

#include "core/Store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace memoscope {

AppPaths AppPaths::locate(const QString& lastDatabase)
{
    AppPaths paths;
    const QString binDir = QCoreApplication::applicationDirPath();
    paths.workerPath = QDir(binDir).filePath(QStringLiteral("memoscope-cli"));
    paths.databasePath = lastDatabase.isEmpty() ? Store::defaultPath() : lastDatabase;
    const QStringList demoCandidates {
        QDir(binDir).filePath(QStringLiteral("../share/memoscope/demo/digits_cnn.pt")),
        QStringLiteral(MEMOSCOPE_SOURCE_RESOURCES "/demo/digits_cnn.pt"),
    };
    for (const QString& candidate : demoCandidates) {
        if (QFileInfo::exists(candidate)) {
            paths.demoModelPath = QFileInfo(candidate).canonicalFilePath();
            break;
        }
    }
    return paths;
}

RunConfig demoRunConfig(const QString& demoModelPath)
{
    RunConfig config;
    config.modelPath = demoModelPath;
    config.inputs = { QStringLiteral("32x64:float32:0..16") }; // a batch of 8x8 digit images, pixel values 0..16
    config.mode = RunMode::Inference;
    config.iterations = 3;
    config.warmup = 1;
    config.name = QStringLiteral("demo");
    return config;
}

} // namespace memoscope
