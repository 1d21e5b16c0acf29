#pragma once
// The quantized kernels of this LibTorch build come from two engines, QNNPACK and oneDNN (no FBGEMM). Which
// is faster depends on the CPU, so the default is measured once (int8 dynamic Linear, both engines) and
// remembered in the user's cache folder.

#include <QString>

namespace memoscope {

struct EngineChoice {
    QString engine; // "qnnpack" or "onednn"
    QString reason; // "measured: onednn 0.41 ms, qnnpack 0.77 ms per call" / "asked for"
};

// `requested` empty or "auto": the measured default. Throws ProfileError(ExitBadInput) for an unknown name.
EngineChoice chooseQuantizedEngine(const QString& requested);
void useQuantizedEngine(const QString& engine);
QString currentQuantizedEngine();

} // namespace memoscope
