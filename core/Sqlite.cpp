#include "Sqlite.h"

#include <QUrl>
#include <sqlite3.h>

namespace memoscope {

namespace {
    // A file that is not SQLite, or is damaged, is the user's to fix (another --db); anything else is ours.
    StoreError::Kind kindOf(int code)
    {
        const int primary = code & 0xff;
        return primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT ? StoreError::Kind::Unusable
                                                                      : StoreError::Kind::Failure;
    }

    // The last error of `db` as a StoreError: the user's file named when it is the file's fault.
    StoreError errorOf(sqlite3* db, const QString& path, const QString& what)
    {
        const QString message = QString::fromUtf8(sqlite3_errmsg(db));
        if (kindOf(sqlite3_errcode(db)) == StoreError::Kind::Unusable)
            return StoreError(QStringLiteral("%1 cannot be used as a run database (%2); it was left as it is. Give "
                                             "another --db file")
                                  .arg(path, message),
                StoreError::Kind::Unusable);
        return StoreError(QStringLiteral("%1: %2").arg(what, message));
    }

    [[noreturn]] void fail(sqlite3* db, const QString& what)
    {
        throw errorOf(db, QString::fromUtf8(sqlite3_db_filename(db, "main")), what);
    }
}

Statement::Statement(sqlite3* db, const char* sql)
    : m_db(db)
{
    if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
        fail(db, QStringLiteral("cannot prepare \"%1\"").arg(QString::fromUtf8(sql).simplified()));
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, const QString& text)
{
    if (text.isNull())
        return bindNull(index);
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int index)
{
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(m_db, QStringLiteral("database step failed"));
}

void Statement::run()
{
    step();
    reset();
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

qint64 Statement::int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }
bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

QString Statement::text(int column) const
{
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    if (!data)
        return QString();
    return QString::fromUtf8(data, sqlite3_column_bytes(m_stmt, column));
}

Database::Database(const QString& path, Mode mode)
    : m_path(path)
{
    int flags = SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI;
    flags |= mode == Mode::Create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    // A URI, so that a path is never read as options; ":memory:" stays SQLite's own name.
    QByteArray name = path == QLatin1String(":memory:")
        ? path.toUtf8()
        : QByteArray("file:") + QUrl::toPercentEncoding(path, "/");
    if (mode == Mode::Snapshot)
        name += "?immutable=1";
    if (sqlite3_open_v2(name.constData(), &m_db, flags, nullptr) != SQLITE_OK) {
        const StoreError error = errorOf(m_db, path, QStringLiteral("cannot open the run database %1").arg(path));
        sqlite3_close(m_db);
        m_db = nullptr;
        throw error;
    }
    // The GUI reads while a worker process writes: wait for each other rather than fail.
    sqlite3_busy_timeout(m_db, 10000);
}

Database::~Database() { sqlite3_close(m_db); }

void Database::exec(const char* sql)
{
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        sqlite3_free(message);
        throw errorOf(m_db, m_path,
            QStringLiteral("database error in %1 (%2)").arg(m_path, QString::fromUtf8(sql).simplified().left(60)));
    }
}

qint64 Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }
int Database::errorCode() const { return sqlite3_errcode(m_db) & 0xff; }

Transaction::Transaction(Database& db)
    : m_db(db)
{
    m_db.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (!m_done) {
        try {
            m_db.exec("ROLLBACK");
        } catch (const StoreError&) {
            // Nothing more can be done in a destructor; SQLite rolls back on close anyway.
        }
    }
}

void Transaction::commit()
{
    m_db.exec("COMMIT");
    m_done = true;
}

} // namespace memoscope
