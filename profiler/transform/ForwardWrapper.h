#pragma once
// Wraps a module's forward so that its floating-point tensor arguments arrive in one dtype and its tensor
// results leave in another: bf16 models cast inputs on entry and outputs back; a layer kept in float32
// inside a bf16 model casts the other way round. The original forward is kept under another name.

#include <torch/script.h>

#include <string>

namespace memoscope::script {

// The parameter list of a method with this schema as TorchScript source ("self, x: Tensor, mask:
// Optional[Tensor] = None"), for a method that replaces it. Throws ProfileError(ExitBadInput) naming `where` for
// a default value that cannot be written as TorchScript.
std::string parameterListSource(const c10::FunctionSchema& schema, const std::string& where);

// Throws ProfileError(ExitBadInput) when the signature cannot be reproduced (a default value that cannot be
// written as TorchScript, say).
void wrapForwardWithCasts(torch::jit::Module& module, c10::ScalarType inputs, c10::ScalarType outputs);

} // namespace memoscope::script
