#pragma once
// The records of a zip file (what PyTorch saves a TorchScript model as), read from its central directory,
// zip64 included, with every offset and size checked against the file before anything is trusted.

#include <QByteArray>
#include <QString>
#include <vector>

namespace memoscope {

struct ZipRecord {
    QString name; // as stored, e.g. "resnet50/data/0"
    qint64 dataOffset = 0; // where the record's (stored or compressed) bytes start in the file
    qint64 storedBytes = 0; // its bytes in the file
    qint64 bytes = 0; // its bytes once read (equal to storedBytes unless compressed)
    quint32 crc32 = 0; // as the directory records it
    bool compressed = false; // deflated; otherwise stored as is
};

// Throws ArchiveError when `data` is not a zip file LibTorch could read, naming what is wrong.
std::vector<ZipRecord> readZipDirectory(const unsigned char* data, qint64 size);

// A record's bytes once read (inflated when compressed), copied: they outlive `data`. For small records (pickles,
// metadata); storages are only ever checked in place. Throws ArchiveError when they cannot be.
QByteArray readZipRecord(const unsigned char* data, const ZipRecord& record);

// The CRC-32 of a record's bytes once read.
quint32 zipRecordCrc32(const unsigned char* data, const ZipRecord& record);

} // namespace memoscope
