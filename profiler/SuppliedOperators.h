#pragma once
// Operators that PyTorch added after 1.13 and that ordinary models serialize to, registered by Memoscope when
// the LibTorch it runs on has no version of its own. Each is made of existing operators
// (CompositeImplicitAutograd), so autograd differentiates it like any other.

#include <QStringList>

namespace memoscope {

// Registers those this LibTorch lacks; once per process, before the first model loads.
void supplyMissingOperators();
// The operators Memoscope registered in this process ("aten::scaled_dot_product_attention").
QStringList suppliedOperators();
// Every operator Memoscope knows how to supply, whether or not this LibTorch needed it.
QStringList suppliableOperators();

} // namespace memoscope
