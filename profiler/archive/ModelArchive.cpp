#include "ModelArchive.h"

#include "ArchiveError.h"

#include <QFile>
#include <QLocale>
#include <algorithm>

namespace memoscope {

qint64 ArchiveStorage::bytesNeeded() const
{
    qint64 bytes = 0;
    const qint64 elements = std::max(storage.elements, storage.elementsUsed);
    if (__builtin_mul_overflow(elements, storage.elementBytes, &bytes))
        return std::numeric_limits<qint64>::max();
    return bytes;
}

namespace {
    QString bytesText(qint64 bytes) { return QLocale::c().toString(bytes) + QStringLiteral(" bytes"); }

    // The folder PyTorch puts every record in (the name the model was saved under).
    QString folderOf(const std::vector<ZipRecord>& records)
    {
        const QString& first = records.front().name;
        const qsizetype slash = first.indexOf(QLatin1Char('/'));
        if (slash <= 0)
            throw ArchiveError(
                QStringLiteral("a zip archive whose first record, %1, is not in a folder as PyTorch saves "
                               "them")
                    .arg(first),
                ArchiveError::Kind::NotAnArchive);
        return first.left(slash);
    }
}

const ZipRecord* ModelArchive::find(const QString& name) const
{
    const QString full = m_folder + QLatin1Char('/') + name;
    for (const ZipRecord& record : m_records)
        if (record.name == full)
            return &record;
    return nullptr;
}

QStringList ModelArchive::codeFiles() const
{
    QStringList files;
    const QString code = m_folder + QStringLiteral("/code/");
    for (const ZipRecord& record : m_records)
        if (record.name.startsWith(code) && record.name.endsWith(QLatin1String(".py")))
            files << record.name.mid(m_folder.size() + 1);
    return files;
}

void ModelArchive::readMetadata(const unsigned char* data)
{
    const QString prefix = m_folder + QLatin1Char('/');
    for (const ZipRecord& record : m_records) {
        const QString name = record.name.mid(prefix.size());
        const bool described = name == QLatin1String("version") || name == QLatin1String("byteorder")
            || (name.startsWith(QLatin1String(".data/")) && name.count(QLatin1Char('/')) == 1);
        if (record.name.startsWith(prefix) && described && record.bytes <= 4096)
            m_metadata.insert(name, readZipRecord(data, record));
    }
    const QByteArray version
        = m_metadata.value(QStringLiteral("version"), m_metadata.value(QStringLiteral(".data/version")));
    bool ok = false;
    const int number = version.trimmed().toInt(&ok);
    if (!version.isEmpty() && (!ok || number < 0))
        throw ArchiveError(QStringLiteral("its version record holds '%1', not a format version")
                               .arg(QString::fromUtf8(version.left(40).trimmed())));
    m_formatVersion = ok ? number : -1;
}

void ModelArchive::scanStorages(const unsigned char* data, const QString& pickle, const QString& tensorFolder)
{
    const ZipRecord* record = find(pickle);
    if (!record)
        return;
    const QByteArray bytes = readZipRecord(data, *record);
    for (const PickledStorage& storage :
        scanPickle(reinterpret_cast<const unsigned char*>(bytes.constData()), bytes.size(), pickle)) {
        ArchiveStorage found { pickle, tensorFolder + storage.key, storage, 0 };
        // Archives written for the lite interpreter keep every tensor in .data/.
        const ZipRecord* holder = find(found.record);
        if (!holder && (holder = find(QStringLiteral(".data/") + storage.key)))
            found.record = QStringLiteral(".data/") + storage.key;
        if (!holder)
            throw ArchiveError(QStringLiteral("%1 refers to the record %2/%3, which the archive does not have")
                                   .arg(pickle, m_folder, found.record));
        found.recordBytes = holder->bytes;
        if (storage.elementBytes > 0 && found.recordBytes < found.bytesNeeded())
            throw ArchiveError(QStringLiteral("the record %1/%2 holds %3, but %4 declares a %5 of %6 in it")
                                   .arg(m_folder, found.record, bytesText(found.recordBytes), pickle, storage.type,
                                       bytesText(found.bytesNeeded())));
        m_storages.push_back(found);
    }
}

ModelArchive ModelArchive::read(const unsigned char* data, qint64 size)
{
    ModelArchive archive;
    archive.m_records = readZipDirectory(data, size);
    archive.m_folder = folderOf(archive.m_records);
    if (!archive.find(QStringLiteral("data.pkl")))
        throw ArchiveError(QStringLiteral("a zip archive without %1/data.pkl").arg(archive.m_folder),
            ArchiveError::Kind::NotAnArchive);
    archive.readMetadata(data);
    archive.scanStorages(data, QStringLiteral("data.pkl"), QStringLiteral("data/"));
    archive.scanStorages(data, QStringLiteral("constants.pkl"), QStringLiteral("constants/"));
    return archive;
}

bool ModelArchive::holdsStorage(const ZipRecord& record) const
{
    const QString name = record.name.mid(m_folder.size() + 1);
    return std::any_of(m_storages.begin(), m_storages.end(),
        [&](const ArchiveStorage& storage) { return storage.record == name; });
}

void ModelArchive::verifyChecksums(const unsigned char* data, Records which) const
{
    for (const ZipRecord& record : m_records) {
        if (which != Records::All && holdsStorage(record) != (which == Records::Storages))
            continue;
        const quint32 crc = zipRecordCrc32(data, record);
        if (crc != record.crc32)
            throw ArchiveError(
                QStringLiteral("the record %1 does not match its CRC-32 (%2 recorded, %3 read): its bytes "
                               "changed after it was saved")
                    .arg(record.name)
                    .arg(record.crc32, 8, 16, QLatin1Char('0'))
                    .arg(crc, 8, 16, QLatin1Char('0')));
    }
}

const unsigned char* ModelArchive::mapFile(QFile& file)
{
    if (!file.open(QIODevice::ReadOnly))
        throw ArchiveError(QStringLiteral("it cannot be read (%1)").arg(file.errorString()));
    if (file.size() == 0)
        throw ArchiveError(QStringLiteral("it is empty"), ArchiveError::Kind::NotAnArchive);
    const unsigned char* data = file.map(0, file.size());
    if (!data)
        throw ArchiveError(QStringLiteral("it cannot be mapped into memory (%1)").arg(file.errorString()));
    return data;
}

ModelArchive ModelArchive::readFile(const QString& path, bool checksums)
{
    QFile file(path);
    const unsigned char* data = mapFile(file);
    ModelArchive archive = read(data, file.size());
    if (checksums)
        archive.verifyChecksums(data);
    // QFile unmaps when it closes.
    return archive;
}

} // namespace memoscope
