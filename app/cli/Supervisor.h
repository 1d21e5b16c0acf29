#pragma once
// Commands that run a model (profile, optimize, sweep-batch, advise --apply, from-python --profile) run it in a child process: the same
// program and arguments, supervised by this one, as the GUI runs its worker. A model that crashes the child
// (a segfault in LibTorch, an abort, the kernel's out-of-memory killer) cannot take the message with it: the
// supervisor says what happened, marks the child's unfinished runs failed and exits with ExitModelFailed.
// Writing SQLite from a signal handler would not be safe; a parent that waits is.

#include <QStringList>

namespace memoscope {

class CliContext;

// True for the commands above, when this process is not already the supervised child.
bool needsSupervision(const QStringList& arguments);
// In the child: dies with its supervisor, so that killing the command (Ctrl+C, the GUI's cancel, kill -9)
// never leaves a model running on its own.
void followSupervisor();
// Runs `argv` again as a child and returns its exit code, or, when a signal ended it, reports that.
int superviseCommand(const CliContext& cli, char** argv, const QStringList& arguments);

} // namespace memoscope
