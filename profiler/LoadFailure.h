#pragma once
// Why a model file did not load, in words that send the user the right way: the operators it needs that this
// LibTorch lacks (every one, with what provides it), a file format newer than this LibTorch reads, a PyTorch
// file that is not TorchScript, or a TorchScript file that failed for another reason. A TorchScript file is
// never called "not a TorchScript model".

#include <QString>
#include <exception>

namespace memoscope {

QString explainLoadFailure(const QString& path, const std::exception& error);

// Operators the archive's code calls that this process has no implementation of ("torchvision::nms"), read
// from its code without compiling it. Empty when the file cannot be read as an archive.
QStringList missingOperatorsInArchive(const QString& path);

} // namespace memoscope
