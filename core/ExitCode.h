#pragma once
// The CLI's exit codes, which the GUI also reads from its worker process.

namespace memoscope {

enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1, // the tool itself failed (database error, out of disk)
    ExitBadInput = 2, // bad arguments or unusable input, including inputs that do not fit the model
    ExitModelFailed = 3, // the model failed later while running
    ExitOutOfMemory = 4, // the run hit --memory-limit
};

} // namespace memoscope
