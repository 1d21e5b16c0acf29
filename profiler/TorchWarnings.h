#pragma once

namespace memoscope {

// LibTorch prints some warnings on every call (qnnpack's "ignores reduce_range", once per quantized Linear per
// iteration): each distinct warning is shown once per process instead.
void showEachTorchWarningOnce();

} // namespace memoscope
