#include "ModelFileCheck.h"

#include "ArchiveError.h"

namespace memoscope {

ModelFileCheck::ModelFileCheck(const QString& path)
    : m_file(path)
{
    const unsigned char* data = ModelArchive::mapFile(m_file);
    m_archive = ModelArchive::read(data, m_file.size());
    m_archive.verifyChecksums(data, ModelArchive::Records::Interpreted);
    m_storages = std::async(std::launch::async,
        [this, data] { m_archive.verifyChecksums(data, ModelArchive::Records::Storages); });
}

void ModelFileCheck::finish()
{
    if (m_storages.valid())
        m_storages.get(); // rethrows the thread's ArchiveError
}

} // namespace memoscope
