#include "CraftedArchive.h"

#include "profiler/archive/Crc32.h"
#include "profiler/archive/ModelArchive.h"

#include <QFile>
#include <QtEndian>
#include <stdexcept>

namespace memoscope::test {

std::vector<CraftedRecord> recordsOf(const QString& modelPath)
{
    QFile file(modelPath);
    if (!file.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot read " + modelPath.toStdString());
    const QByteArray bytes = file.readAll();
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.constData());
    std::vector<CraftedRecord> records;
    for (const ZipRecord& record : readZipDirectory(data, bytes.size()))
        records.push_back(CraftedRecord { record.name, readZipRecord(data, record) });
    return records;
}

namespace {
    void put(QByteArray& out, quint64 value, int width)
    {
        for (int i = 0; i < width; ++i)
            out.append(char((value >> (8 * i)) & 0xff));
    }
}

QByteArray zipOf(const std::vector<CraftedRecord>& records)
{
    QByteArray zip;
    QByteArray directory;
    for (const CraftedRecord& record : records) {
        const QByteArray name = record.name.toUtf8();
        const quint32 crc
            = crc32(0, reinterpret_cast<const unsigned char*>(record.bytes.constData()), size_t(record.bytes.size()));
        const qint64 local = zip.size();
        put(zip, 0x04034b50, 4);
        put(zip, 20, 2); // version needed
        put(zip, 0, 2); // flags
        put(zip, 0, 2); // stored
        put(zip, 0, 4); // time, date
        put(zip, crc, 4);
        put(zip, quint64(record.bytes.size()), 4);
        put(zip, quint64(record.bytes.size()), 4);
        put(zip, quint64(name.size()), 2);
        put(zip, 0, 2);
        zip += name + record.bytes;

        put(directory, 0x02014b50, 4);
        put(directory, 20, 2);
        put(directory, 20, 2);
        put(directory, 0, 2);
        put(directory, 0, 2);
        put(directory, 0, 4);
        put(directory, crc, 4);
        put(directory, quint64(record.bytes.size()), 4);
        put(directory, quint64(record.bytes.size()), 4);
        put(directory, quint64(name.size()), 2);
        put(directory, 0, 2); // extra
        put(directory, 0, 2); // comment
        put(directory, 0, 2); // disk
        put(directory, 0, 2); // internal attributes
        put(directory, 0, 4); // external attributes
        put(directory, quint64(local), 4);
        directory += name;
    }
    const qint64 directoryOffset = zip.size();
    zip += directory;
    put(zip, 0x06054b50, 4);
    put(zip, 0, 4); // disks
    put(zip, records.size(), 2);
    put(zip, records.size(), 2);
    put(zip, quint64(directory.size()), 4);
    put(zip, quint64(directoryOffset), 4);
    put(zip, 0, 2);
    return zip;
}

CraftedRecord& recordNamed(std::vector<CraftedRecord>& records, const QString& suffix)
{
    for (CraftedRecord& record : records)
        if (record.name.endsWith(suffix))
            return record;
    throw std::runtime_error("no record ends with " + suffix.toStdString());
}

qint64 dataOffsetIn(const QByteArray& zip, const QString& name)
{
    const auto* data = reinterpret_cast<const unsigned char*>(zip.constData());
    for (const ZipRecord& record : readZipDirectory(data, zip.size()))
        if (record.name == name)
            return record.dataOffset;
    return -1;
}

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

} // namespace memoscope::test
