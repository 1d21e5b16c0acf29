#include "StoreFile.h"

#include "Schema.h"
#include "Sqlite.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QtEndian>

namespace memoscope {

namespace {
    StoreError unusable(const QString& message) { return StoreError(message, StoreError::Kind::Unusable); }

    QStringList tablesOf(Database& db)
    {
        QStringList tables;
        Statement query(
            db.handle(), "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        while (query.step())
            tables << query.text(0);
        return tables;
    }

    int pragma(Database& db, const char* sql)
    {
        Statement query(db.handle(), sql);
        return query.step() ? int(query.int64(0)) : 0;
    }
}

void refuseForeignDatabase(const QString& path, const QStringList& tables, int applicationId)
{
    const QString owner = applicationId != 0
        ? QStringLiteral("application id 0x%1").arg(quint32(applicationId), 8, 16, QLatin1Char('0'))
        : QStringLiteral("tables %1").arg(tables.mid(0, 5).join(QStringLiteral(", ")));
    throw unusable(QStringLiteral("%1 is another program's SQLite database (%2), not a Memoscope run database; it "
                                  "was left as it is. Give a new or empty file with --db")
                       .arg(path, owner));
}

StoreFile probeStoreFile(const QString& path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return StoreFile { StoreFile::Kind::Missing };
    if (info.isDir())
        throw unusable(
            QStringLiteral("%1 is a folder, not a run database: give a file with --db, e.g. %1/runs.sqlite").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw unusable(QStringLiteral("the run database %1 cannot be read (%2)").arg(path, file.errorString()));
    const QByteArray header = file.read(100);
    if (header.isEmpty() && file.size() == 0)
        return StoreFile { StoreFile::Kind::Empty };
    if (!header.startsWith(QByteArray("SQLite format 3\0", 16)))
        throw unusable(QStringLiteral("%1 is not a SQLite database, so not a Memoscope run database; it was left as "
                                      "it is. Give a new file with --db")
                           .arg(path));
    // Without a -wal file the main file is the whole database: read it as a snapshot, which leaves nothing
    // beside it. With one, read through SQLite's usual read-only path so that the log counts.
    const bool logged = QFileInfo::exists(path + QStringLiteral("-wal"));
    if (!logged && header.size() == 100) {
        // The header's page count is valid when its "version valid for" matches the change counter; a file
        // shorter than that was cut short, and SQLite would only notice on the page it happens to read.
        auto number
            = [&](int at, int width) { return qFromBigEndian<quint32>(header.constData() + at) >> (8 * (4 - width)); };
        const qint64 pageSize = number(16, 2) == 1 ? 65536 : qint64(number(16, 2));
        const qint64 declared = pageSize * qint64(number(28, 4));
        if (number(92, 4) == number(24, 4) && declared > file.size())
            throw unusable(QStringLiteral("%1 cannot be used as a run database: it was cut short (its header gives "
                                          "%2 bytes, the file has %3); it was left as it is. Give another --db file")
                               .arg(path)
                               .arg(declared)
                               .arg(file.size()));
    }
    int applicationId = 0;
    int version = 0;
    QStringList tables;
    {
        Database db(path, logged ? Database::Mode::ReadOnly : Database::Mode::Snapshot);
        applicationId = pragma(db, "PRAGMA application_id");
        version = pragma(db, "PRAGMA user_version");
        tables = tablesOf(db);
    }
    // Stores made before the application id was set are known by their version and their tables.
    const bool older = applicationId == 0 && version >= 1 && version <= latestSchemaVersion()
        && tables.contains(QStringLiteral("models")) && tables.contains(QStringLiteral("runs"));
    if (applicationId == memoscopeApplicationId || older)
        return StoreFile { StoreFile::Kind::Memoscope, version };
    if (applicationId == 0 && version == 0 && tables.isEmpty())
        return StoreFile { StoreFile::Kind::Empty };
    refuseForeignDatabase(path, tables, applicationId);
}

} // namespace memoscope
