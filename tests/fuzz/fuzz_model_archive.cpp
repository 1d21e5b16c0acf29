// libFuzzer target: the model-archive check must refuse any bytes with an ArchiveError, never crash, hang or
// leak. Inputs that start like a pickle (PROTO) go to the pickle reader alone, so that mutations reach it
// without having to keep a zip archive valid around it.

#include "profiler/archive/ArchiveError.h"
#include "profiler/archive/ModelArchive.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        if (size > 0 && data[0] == 0x80) {
            memoscope::scanPickle(data, qint64(size), QStringLiteral("data.pkl"));
        } else {
            const memoscope::ModelArchive archive = memoscope::ModelArchive::read(data, qint64(size));
            archive.verifyChecksums(data);
            archive.codeFiles();
        }
    } catch (const memoscope::ArchiveError&) {
        // Refused with a message: what the check is for.
    }
    return 0;
}
