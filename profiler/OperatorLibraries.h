#pragma once
// Shared libraries of custom operators, loaded into the process before a model, as Python's
// torch.ops.load_library does: torchvision's, found at run time when Debian's python3-torchvision is installed
// (not linked: it is optional), and those the user names with --ops-library.

#include <QString>
#include <QStringList>

namespace memoscope {

// Loads each library once per process. Returns an error message naming the library and why it did not load
// (empty when all loaded).
QString loadOperatorLibraries(const QStringList& paths);
// torchvision's operator library (torchvision::nms, roi_align, ...), when python3-torchvision is installed;
// loaded once. Returns its path, or empty when it is not installed or did not load.
QString loadTorchvisionOperators();
// Every library loaded so far, in order.
QStringList loadedOperatorLibraries();
// What provides an operator of this namespace, for a message about a missing one: "install
// python3-torchvision, or pass --ops-library with torchvision's _C library".
QString providerOf(const QString& qualifiedName);

} // namespace memoscope
