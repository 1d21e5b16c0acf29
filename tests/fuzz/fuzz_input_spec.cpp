// libFuzzer target: the input-spec parser (core/InputSpec) must answer any text with a spec or a message, never
// crash, hang or recurse without bound; a spec it accepts prints as text that parses back to the same spec, and
// checking it against argument types never fails to answer.

#include "core/InputSpec.h"
#include "core/ModelSignature.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), int(size));
    QString error;
    const std::optional<memoscope::InputSpec> spec = memoscope::InputSpec::parse(text, &error);
    if (!spec) {
        if (error.isEmpty())
            std::abort(); // a refusal always says why
        return 0;
    }
    // A file spec's text is a path on this machine, printed as it is: not a spec to round-trip.
    bool holdsFile = false;
    std::function<void(const memoscope::InputSpec&)> visit = [&](const memoscope::InputSpec& s) {
        holdsFile = holdsFile || s.kind == memoscope::InputSpec::Kind::File;
        for (const memoscope::InputSpec& element : s.elements)
            visit(element);
    };
    visit(*spec);
    if (!holdsFile) {
        const QString printed = spec->toString();
        const std::optional<memoscope::InputSpec> again = memoscope::InputSpec::parse(printed, &error);
        if (!again || again->toString() != printed)
            std::abort();
    }
    static const char* const types[]
        = { "Tensor", "int", "List[Tensor]", "Optional[Dict[str, Tensor]]", "Tuple[Tensor, int]", "List[List[float]]" };
    for (const char* type : types) {
        QString why;
        memoscope::specFits(*spec, memoscope::ArgumentType::parse(QString::fromLatin1(type)), &why);
    }
    spec->byteCount();
    return 0;
}
