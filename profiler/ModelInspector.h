#pragma once
// `inspect`'s facts about a model file (core/ModelInspection), read with LibTorch: its archive, what loading
// it takes, and, when it loads, its signature, weights, operators and a checked --input line.

#include "core/ModelInspection.h"

namespace memoscope {

// Loads the operator libraries already requested (see OperatorLibraries) like profiling does. Never throws: a
// file that does not load is described with loads = false and the reason.
ModelInspection inspectModel(const QString& path);

} // namespace memoscope
