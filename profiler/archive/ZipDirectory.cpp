#include "ZipDirectory.h"

#include "ArchiveError.h"
#include "Crc32.h"

#include <QSet>
#include <algorithm>
#include <functional>
#include <zlib.h>

namespace memoscope {

namespace {
    const quint32 localHeaderSignature = 0x04034b50;
    const quint32 centralHeaderSignature = 0x02014b50;
    const quint32 endSignature = 0x06054b50;
    const quint32 zip64EndSignature = 0x06064b50;
    const quint32 zip64LocatorSignature = 0x07064b50;
    const qint64 endBytes = 22;
    const qint64 centralHeaderBytes = 46;
    const qint64 localHeaderBytes = 30;

    // Little-endian fields of a byte range whose bounds were checked by whoever made it.
    struct Bytes {
        const unsigned char* data;
        qint64 size;

        quint64 read(qint64 at, int width) const
        {
            quint64 value = 0;
            for (int i = width - 1; i >= 0; --i)
                value = (value << 8) | data[at + i];
            return value;
        }
        quint16 u16(qint64 at) const { return quint16(read(at, 2)); }
        quint32 u32(qint64 at) const { return quint32(read(at, 4)); }
        quint64 u64(qint64 at) const { return read(at, 8); }
        bool has(qint64 at, qint64 bytes) const { return at >= 0 && bytes >= 0 && at <= size && bytes <= size - at; }
    };

    struct Directory {
        quint64 entries = 0;
        qint64 offset = 0;
        qint64 size = 0;
    };

    qint64 findEnd(const Bytes& file)
    {
        const qint64 earliest = std::max<qint64>(0, file.size - endBytes - 0xffff);
        for (qint64 at = file.size - endBytes; at >= earliest; --at)
            if (file.u32(at) == endSignature)
                return at;
        throw ArchiveError(QStringLiteral("it is not a zip archive, or one cut short (no zip directory at its end)"),
            ArchiveError::Kind::NotAnArchive);
    }

    Directory readDirectoryLocation(const Bytes& file, qint64 end)
    {
        if (file.u16(end + 4) != 0 || file.u16(end + 6) != 0)
            throw ArchiveError(
                QStringLiteral("it is a zip archive split over several files, which LibTorch cannot read"));
        Directory directory { file.u16(end + 10), qint64(file.u32(end + 16)), qint64(file.u32(end + 12)) };
        const bool zip64
            = directory.entries == 0xffff || directory.offset == 0xffffffff || directory.size == 0xffffffff;
        const qint64 locator = end - 20;
        if (!zip64 || !file.has(locator, 20) || file.u32(locator) != zip64LocatorSignature)
            return directory;
        const quint64 zip64End = file.u64(locator + 8);
        if (zip64End > quint64(file.size) || !file.has(qint64(zip64End), 56)
            || file.u32(qint64(zip64End)) != zip64EndSignature)
            throw ArchiveError(QStringLiteral("its zip64 directory record is missing or damaged"));
        directory.entries = file.u64(qint64(zip64End) + 32);
        const quint64 size = file.u64(qint64(zip64End) + 40);
        const quint64 offset = file.u64(qint64(zip64End) + 48);
        if (size > quint64(file.size) || offset > quint64(file.size))
            throw ArchiveError(QStringLiteral("its zip64 directory points past the end of the file (cut short?)"));
        directory.size = qint64(size);
        directory.offset = qint64(offset);
        return directory;
    }

    // Sizes and the offset that do not fit 32 bits are in the entry's zip64 extra field, in this order.
    void readZip64Extra(const Bytes& file, qint64 extra, qint64 extraBytes, quint64* bytes, quint64* storedBytes,
        quint64* localOffset, const QString& name)
    {
        for (qint64 at = extra; at + 4 <= extra + extraBytes;) {
            const quint16 id = file.u16(at);
            const qint64 length = file.u16(at + 2);
            if (at + 4 + length > extra + extraBytes)
                break;
            if (id == 0x0001) {
                qint64 field = at + 4;
                for (quint64* value : { bytes, storedBytes, localOffset }) {
                    if (*value != 0xffffffff)
                        continue;
                    if (field + 8 > at + 4 + length)
                        throw ArchiveError(QStringLiteral("the zip64 sizes of the record %1 are missing").arg(name));
                    *value = file.u64(field);
                    field += 8;
                }
                return;
            }
            at += 4 + length;
        }
    }

    ZipRecord readEntry(const Bytes& file, qint64 at, qint64 directoryEnd, const Directory& directory, qint64* next)
    {
        if (at + centralHeaderBytes > directoryEnd || file.u32(at) != centralHeaderSignature)
            throw ArchiveError(QStringLiteral("its zip directory is damaged at byte %1").arg(at));
        const quint16 flags = file.u16(at + 8);
        const quint16 method = file.u16(at + 10);
        const qint64 nameBytes = file.u16(at + 28);
        const qint64 extraBytes = file.u16(at + 30);
        const qint64 commentBytes = file.u16(at + 32);
        if (at + centralHeaderBytes + nameBytes + extraBytes + commentBytes > directoryEnd)
            throw ArchiveError(QStringLiteral("its zip directory is damaged at byte %1").arg(at));
        ZipRecord record;
        record.name
            = QString::fromUtf8(reinterpret_cast<const char*>(file.data + at + centralHeaderBytes), int(nameBytes));
        quint64 bytes = file.u32(at + 24);
        quint64 storedBytes = file.u32(at + 20);
        quint64 localOffset = file.u32(at + 42);
        readZip64Extra(
            file, at + centralHeaderBytes + nameBytes, extraBytes, &bytes, &storedBytes, &localOffset, record.name);
        *next = at + centralHeaderBytes + nameBytes + extraBytes + commentBytes;

        if (flags & 0x1)
            throw ArchiveError(QStringLiteral("the record %1 is encrypted").arg(record.name));
        if (method != 0 && method != 8)
            throw ArchiveError(
                QStringLiteral("the record %1 is compressed with zip method %2, which LibTorch cannot read")
                    .arg(record.name)
                    .arg(method));
        record.compressed = method == 8;
        record.crc32 = file.u32(at + 16);
        if (localOffset > quint64(directory.offset) || storedBytes > quint64(directory.offset)
            || bytes > (quint64(1) << 62))
            throw ArchiveError(QStringLiteral("the record %1 lies past the end of the data (the file was cut short?)")
                                   .arg(record.name));
        if (!record.compressed && bytes != storedBytes)
            throw ArchiveError(
                QStringLiteral("the zip directory gives the stored record %1 two different sizes").arg(record.name));
        const qint64 local = qint64(localOffset);
        if (local + localHeaderBytes > directory.offset || file.u32(local) != localHeaderSignature)
            throw ArchiveError(
                QStringLiteral("the record %1 has no zip header where the directory says it starts (byte %2)")
                    .arg(record.name)
                    .arg(local));
        record.dataOffset = local + localHeaderBytes + file.u16(local + 26) + file.u16(local + 28);
        record.storedBytes = qint64(storedBytes);
        record.bytes = qint64(bytes);
        if (record.dataOffset > directory.offset || record.storedBytes > directory.offset - record.dataOffset)
            throw ArchiveError(QStringLiteral("the record %1 runs past the end of the data (the file was cut short?)")
                                   .arg(record.name));
        return record;
    }

    // Inflates a deflated record chunk by chunk, handing each piece to `take`. Throws when the data is damaged
    // or does not inflate to the size the directory gives.
    void inflateRecord(const unsigned char* data, const ZipRecord& record,
        const std::function<void(const unsigned char*, std::size_t)>& take)
    {
        z_stream stream {};
        if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
            throw ArchiveError(QStringLiteral("cannot start inflating the record %1").arg(record.name));
        unsigned char chunk[1 << 16];
        qint64 consumed = 0;
        qint64 produced = 0;
        int status = Z_OK;
        while (status != Z_STREAM_END) {
            if (stream.avail_in == 0 && consumed < record.storedBytes) {
                const qint64 piece = std::min<qint64>(record.storedBytes - consumed, 1 << 30);
                stream.next_in = const_cast<unsigned char*>(data + record.dataOffset + consumed);
                stream.avail_in = uInt(piece);
                consumed += piece;
            }
            stream.next_out = chunk;
            stream.avail_out = sizeof chunk;
            status = inflate(&stream, Z_NO_FLUSH);
            const std::size_t made = sizeof chunk - stream.avail_out;
            produced += qint64(made);
            if ((status != Z_OK && status != Z_STREAM_END) || produced > record.bytes
                || (status == Z_OK && made == 0 && stream.avail_in == 0 && consumed == record.storedBytes)) {
                inflateEnd(&stream);
                throw ArchiveError(QStringLiteral("the compressed record %1 is damaged").arg(record.name));
            }
            take(chunk, made);
        }
        inflateEnd(&stream);
        if (produced != record.bytes)
            throw ArchiveError(QStringLiteral("the compressed record %1 holds %2 bytes, not the %3 its zip entry gives")
                                   .arg(record.name)
                                   .arg(produced)
                                   .arg(record.bytes));
    }
}

std::vector<ZipRecord> readZipDirectory(const unsigned char* data, qint64 size)
{
    const Bytes file { data, size };
    if (size < endBytes)
        throw ArchiveError(
            QStringLiteral("it is not a zip archive (%1 bytes)").arg(size), ArchiveError::Kind::NotAnArchive);
    const qint64 end = findEnd(file);
    const Directory directory = readDirectoryLocation(file, end);
    if (directory.offset > end || directory.size > end - directory.offset)
        throw ArchiveError(QStringLiteral("its zip directory points past the end of the file (cut short?)"));
    const qint64 directoryEnd = directory.offset + directory.size;
    std::vector<ZipRecord> records;
    QSet<QString> names;
    qint64 at = directory.offset;
    // Each entry takes at least 46 bytes, which bounds the count before anything is reserved.
    for (quint64 i = 0; i < directory.entries; ++i) {
        ZipRecord record = readEntry(file, at, directoryEnd, directory, &at);
        if (names.contains(record.name))
            throw ArchiveError(QStringLiteral("it holds two records named %1").arg(record.name));
        names.insert(record.name);
        records.push_back(std::move(record));
    }
    if (records.empty())
        throw ArchiveError(QStringLiteral("it is an empty zip archive"));
    return records;
}

QByteArray readZipRecord(const unsigned char* data, const ZipRecord& record)
{
    if (!record.compressed)
        return QByteArray(reinterpret_cast<const char*>(data + record.dataOffset), qsizetype(record.bytes));
    QByteArray bytes;
    inflateRecord(data, record, [&](const unsigned char* piece, std::size_t size) {
        if (bytes.size() + qint64(size) > (1 << 30))
            throw ArchiveError(QStringLiteral("the record %1 is too large to read").arg(record.name));
        bytes.append(reinterpret_cast<const char*>(piece), qsizetype(size));
    });
    return bytes;
}

quint32 zipRecordCrc32(const unsigned char* data, const ZipRecord& record)
{
    if (!record.compressed)
        return crc32(0, data + record.dataOffset, std::size_t(record.bytes));
    std::uint32_t crc = 0;
    inflateRecord(data, record, [&](const unsigned char* piece, std::size_t size) { crc = crc32(crc, piece, size); });
    return crc;
}

} // namespace memoscope
