#include "Transform.h"

#include <algorithm>

namespace memoscope {

bool TransformOptions::isExcluded(const std::string& path) const
{
    for (const std::string& prefix : excluded) {
        if (prefix.empty() || path == prefix)
            return true;
        if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 && path[prefix.size()] == '.')
            return true;
    }
    return false;
}

void TransformReport::skip(const std::string& layer, const std::string& reason)
{
    const bool known = std::any_of(skipped.begin(), skipped.end(),
        [&](const SkippedLayer& s) { return s.layer == layer && s.reason == reason; });
    if (!known)
        skipped.push_back(SkippedLayer { layer, reason });
}

} // namespace memoscope
