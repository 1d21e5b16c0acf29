#pragma once
// --ops-library PATH, on every command that loads a model: a shared library of custom operators loaded before
// the model, as Python's torch.ops.load_library does. The option is declared in core/WorkerProtocol.

#include "core/WorkerProtocol.h" // opsLibraryOption()

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QStringList>
#include <optional>

namespace memoscope {

class CliContext;

// Loads the libraries named on the command line, so that one that does not load is refused before any work.
// Returns their absolute paths (for the run's configuration); on failure prints the message, sets *exitCode
// and returns nullopt.
std::optional<QStringList> loadOpsLibraries(const CliContext& cli, const QCommandLineParser& parser, int* exitCode);

} // namespace memoscope
