#include "OpsLibraryOption.h"

#include "CliContext.h"

#include "profiler/OperatorLibraries.h"

#include <QFileInfo>

namespace memoscope {

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
