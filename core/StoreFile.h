#pragma once
// What a file given as the run database is, found before anything is written to it: missing, empty (a new
// store), a Memoscope store (and its schema version), or something that must be left alone.

#include <QString>

namespace memoscope {

struct StoreFile {
    enum class Kind { Missing, Empty, Memoscope };
    Kind kind = Kind::Missing;
    int schemaVersion = 0; // of a Memoscope store
};

// Memoscope's stores say so in SQLite's application_id (the header field SQLite keeps for this): "MEMO".
constexpr int memoscopeApplicationId = 0x4d454d4f;

// Throws StoreError (unusable) naming the problem for a folder, a file that is not SQLite, a damaged one, or
// another program's database. Reads the file only: it stays byte for byte as it was.
StoreFile probeStoreFile(const QString& path);

// Throws StoreError (unusable) for a SQLite database that is not Memoscope's, naming its tables.
[[noreturn]] void refuseForeignDatabase(const QString& path, const QStringList& tables, int applicationId);

} // namespace memoscope
