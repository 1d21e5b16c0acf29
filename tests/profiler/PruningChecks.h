#pragma once
// What the pruning tests check on any model: channels made dead by hand must be the ones pruning removes,
// without changing the output (and, with InPython.h, a pruned file gives the same outputs in Python).

#include "InPython.h"

#include <torch/script.h>

namespace memoscope::test {

// Makes `model` ready for pruning (prepareForPruning) and zeroes half the units of every prunable group
// (every tensor stretch that follows them; running variances stay 1), so those channels carry exact zeros
// through the whole model.
void killHalfOfEachGroup(torch::jit::Module& model, const std::vector<c10::IValue>& inputs);

} // namespace memoscope::test
