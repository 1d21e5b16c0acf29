#include "OpsLibraryOption.h"

#include "CliContext.h"

#include "profiler/OperatorLibraries.h"

#include <QFileInfo>

namespace memoscope {

QCommandLineOption opsLibraryOption()
{
    return QCommandLineOption(QStringLiteral("ops-library"),
        QStringLiteral("A shared library of custom operators to load before the model, as torch.ops.load_library "
                       "does (repeatable). torchvision's operators load by themselves when python3-torchvision is "
                       "installed."),
        QStringLiteral("PATH"));
}

std::optional<QStringList> loadOpsLibraries(const CliContext& cli, const QCommandLineParser& parser, int* exitCode)
{
    QStringList paths;
    for (const QString& path : parser.values(opsLibraryOption()))
        paths << QFileInfo(path).absoluteFilePath();
    const QString error = loadOperatorLibraries(paths);
    if (!error.isEmpty()) {
        *exitCode = cli.fail(ExitBadInput, error + QStringLiteral(" (--ops-library)"));
        return std::nullopt;
    }
    return paths;
}

} // namespace memoscope
