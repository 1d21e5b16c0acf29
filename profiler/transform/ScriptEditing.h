#pragma once
// Editing a loaded TorchScript module in place: the tools every transform (precision, quantization,
// pruning, checkpointing) is built from.
//
// TorchScript shares one class type among module instances whose attributes and constants match, so an
// edit of one layer's methods would change every layer of that type. uniquifyTypes() gives each instance
// its own type first. Edited methods are not picked up by code the interpreter has already compiled, so a
// transformed module is saved and loaded back (roundTrip) before it runs, exactly as the exported file will.

#include <torch/script.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace torch::jit {
struct Resolver;
}

namespace memoscope::script {

// Resolves "ops.<namespace>.<op>" (e.g. ops.quantized.linear_dynamic) and custom classes
// ("__torch__.torch.classes.quantized.LinearPackedParamsBase") the way serialized TorchScript does.
std::shared_ptr<torch::jit::Resolver> resolver();

// Every module with its dotted path, the root ("") first, parents before children.
std::vector<std::pair<std::string, torch::jit::Module>> namedModules(const torch::jit::Module& root);
std::optional<torch::jit::Module> findModule(const torch::jit::Module& root, const std::string& path);
std::string className(const torch::jit::Module& module); // "Linear", "Conv2d"

// Gives every module instance under root a class type of its own.
void uniquifyTypes(torch::jit::Module& root);

// Replaces (or adds) a method of the module's type, compiled from TorchScript source with resolver().
void defineMethod(torch::jit::Module& module, const std::string& name, const std::string& source);
// Keeps a method under a new name (the old name is free to be redefined).
void renameMethod(torch::jit::Module& module, const std::string& from, const std::string& to);

// Changes a class constant (Conv2d.out_channels, LSTM.hidden_size) so the saved model describes itself truly.
// Code already compiled keeps the old value where it was folded in. Does nothing if the type has no such constant.
void setConstant(torch::jit::Module& module, const std::string& name, const c10::IValue& value);

// Replaces a parameter or buffer by a plain attribute (or removes it when `value` is none), so that it can
// hold a tensor a parameter cannot (quantized, or of another type) and no longer counts as a parameter.
void replaceTensorAttribute(torch::jit::Module& module, const std::string& name, const std::optional<at::Tensor>& value);

// Saves to memory and loads back, with extra files (e.g. "memoscope.json") kept in the archive.
torch::jit::Module roundTrip(const torch::jit::Module& module,
    const std::unordered_map<std::string, std::string>& extraFiles = {});

// The archive's extra file "memoscope.json", if any (what Memoscope applied to a model).
std::string memoscopeExtraFile(const std::string& path);

} // namespace memoscope::script
