#pragma once
// What every model transform takes and tells: options (layers to leave alone, quantization settings) and a
// report of the layers it changed and the ones it skipped, each with the reason.

#include <set>
#include <string>
#include <vector>

namespace memoscope {

struct TransformOptions {
    // Module paths to leave as they are, with everything under them.
    std::set<std::string> excluded;
    bool perChannel = true; // int8 weights: one scale per output channel (else one per tensor)
    bool reduceRange = false; // 7-bit activations for dynamic quantization; the engine decides

    bool isExcluded(const std::string& path) const;
};

struct SkippedLayer {
    std::string layer;
    std::string reason;
};

struct TransformReport {
    std::vector<std::string> changed; // layer paths
    std::vector<SkippedLayer> skipped;
    std::vector<std::string> notes; // plain statements for the user

    void skip(const std::string& layer, const std::string& reason);
};

} // namespace memoscope
