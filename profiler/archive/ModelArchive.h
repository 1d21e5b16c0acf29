#pragma once
// A TorchScript model file read without LibTorch: its zip records, its format version, its code files and the
// storages its pickles declare. LibTorch 1.13 trusts an archive: a storage record shorter than its tensors makes
// it read past the buffer (a crash, or a run on garbage stored as complete), and it never checks the records'
// CRC-32. check() finds both before LibTorch sees the file. `memoscope-cli inspect` lists the same facts.

#include "PickleScan.h"
#include "ZipDirectory.h"

#include <QByteArray>
#include <QFile>
#include <QMap>
#include <QString>
#include <QStringList>
#include <vector>

namespace memoscope {

// One storage a pickle declares, with the record that holds it.
struct ArchiveStorage {
    QString pickle; // the pickle that declares it: "data.pkl" or "constants.pkl"
    QString record; // the zip record, without the archive's folder: "data/0"
    PickledStorage storage;
    qint64 recordBytes = 0; // what the record holds
    qint64 bytesNeeded() const; // what its tensors read: the declared elements, times the element size
};

class ModelArchive {
public:
    // Reads the zip directory and scans the pickles of the file's bytes. Throws ArchiveError naming what is
    // malformed, a record its pickles name that is missing, or a storage record shorter than its tensors need.
    static ModelArchive read(const unsigned char* data, qint64 size);
    // Maps the file and reads it (as above); with `checksums`, also checks every record's CRC-32. Throws
    // ArchiveError, whose message reads after "the model file is damaged: ".
    static ModelArchive readFile(const QString& path, bool checksums);
    // Opens and maps `file` (it stays mapped until the QFile closes); throws ArchiveError when it cannot.
    static const unsigned char* mapFile(QFile& file);

    // Which records a checksum pass reads: the storages' bytes, which LibTorch only copies into tensors, apart
    // from everything it interprets (pickles, code, metadata), which could mislead it while it loads.
    enum class Records { All, Interpreted, Storages };
    // Throws ArchiveError naming the first record whose bytes do not match the CRC-32 the directory gives.
    void verifyChecksums(const unsigned char* data, Records which = Records::All) const;

    QString folder() const { return m_folder; } // the folder every record is in, e.g. "resnet50"
    int formatVersion() const { return m_formatVersion; } // the `version` (or `.data/version`) record; -1 if none
    // Small records that describe the archive rather than the model (version, byteorder, .data/*), by name.
    const QMap<QString, QByteArray>& metadata() const { return m_metadata; }
    const std::vector<ZipRecord>& records() const { return m_records; }
    QStringList codeFiles() const; // code/...py, without the folder
    const std::vector<ArchiveStorage>& storages() const { return m_storages; }

private:
    bool holdsStorage(const ZipRecord& record) const;
    const ZipRecord* find(const QString& name) const; // name without the folder
    void readMetadata(const unsigned char* data);
    void scanStorages(const unsigned char* data, const QString& pickle, const QString& tensorFolder);

    QString m_folder;
    int m_formatVersion = -1;
    QMap<QString, QByteArray> m_metadata;
    std::vector<ZipRecord> m_records;
    std::vector<ArchiveStorage> m_storages;
};

} // namespace memoscope
