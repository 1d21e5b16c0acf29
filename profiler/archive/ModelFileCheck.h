#pragma once
// The archive check as a model is loaded, costing the load almost nothing: the structure and the CRC-32 of every
// record LibTorch interprets are checked before LibTorch reads the file, and the storages' CRC-32s (nearly all
// of the bytes, which LibTorch only copies into tensors, so a changed byte there cannot mislead it) on a second
// thread while LibTorch loads. finish() waits for that thread before the model is used.

#include "ModelArchive.h"

#include <QFile>
#include <future>

namespace memoscope {

class ModelFileCheck {
public:
    // Maps the file, reads its structure and checks what LibTorch interprets; throws ArchiveError as
    // ModelArchive::readFile does. The storages' checksums start on a second thread.
    explicit ModelFileCheck(const QString& path);
    // Waits for the storages' checksums; throws ArchiveError naming a record that does not match.
    void finish();
    const ModelArchive& archive() const { return m_archive; }

private:
    QFile m_file; // mapped until the check is destroyed: declared before the thread that reads it
    ModelArchive m_archive;
    std::future<void> m_storages;
};

} // namespace memoscope
