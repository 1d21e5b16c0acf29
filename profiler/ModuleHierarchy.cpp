#include "ModuleHierarchy.h"

namespace memoscope {

ModuleFrame moduleFromHierarchy(const std::vector<std::string>& entries)
{
    ModuleFrame frame;
    for (const std::string& entry : entries) {
        const size_t open = entry.find('(');
        const size_t close = entry.find(')', open);
        if (open == std::string::npos || close == std::string::npos)
            continue;
        const std::string name = entry.substr(0, open);
        // Function calls ("CALL_FUNCTION::relu()") and self-calls ("SELF(ResNet)") do not change the module.
        if (name.empty() || name.find(':') != std::string::npos || name == "SELF")
            continue;
        const std::string type = entry.substr(open + 1, close - open - 1);
        if (name == "TOP") {
            frame.path.clear();
        } else {
            if (!frame.path.empty())
                frame.path += '.';
            frame.path += name;
        }
        if (!type.empty())
            frame.type = type;
    }
    return frame;
}

} // namespace memoscope
