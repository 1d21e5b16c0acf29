#include "TorchWarnings.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <mutex>
#include <set>
#include <string>

namespace memoscope {

namespace {
    class OncePerMessage final : public c10::WarningHandler {
    public:
        void process(const c10::SourceLocation&, const std::string& message, const bool) override
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_seen.insert(message).second)
                std::fprintf(stderr, "LibTorch warning: %s\n", message.c_str());
        }

    private:
        std::mutex m_mutex;
        std::set<std::string> m_seen;
    };
}

void showEachTorchWarningOnce()
{
    static OncePerMessage handler; // lives as long as the process; LibTorch keeps a raw pointer
    c10::Warning::set_warning_handler(&handler);
}

} // namespace memoscope
