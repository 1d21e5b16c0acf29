#pragma once
// A thin RAII layer over the SQLite C API: the store's bulk inserts need prepared statements and explicit
// transactions, which the C API gives at about twice the speed of QtSql.

#include "StoreError.h"

#include <QByteArray>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

namespace memoscope {

class Statement {
public:
    Statement(sqlite3* db, const char* sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, qint64 value);
    Statement& bind(int index, int value) { return bind(index, qint64(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, const QString& text); // a null QString binds NULL
    Statement& bindNull(int index);

    bool step(); // true while a row is available
    void run(); // step a statement that returns no rows, then reset it
    void reset();

    qint64 int64(int column) const;
    double real(int column) const;
    QString text(int column) const;
    bool isNull(int column) const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

class Database {
public:
    enum class Mode {
        Create, // read and write, creating the file when missing
        ReadOnly, // read only; the file must exist
        Snapshot, // read only, as the file is on disk (SQLite's immutable=1): no -wal or -shm file is made
    };
    explicit Database(const QString& path, Mode mode = Mode::Create);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const char* sql);
    void exec(const QString& sql) { exec(sql.toUtf8().constData()); }
    qint64 lastInsertId() const;
    int changes() const; // rows changed by the last statement
    int errorCode() const; // SQLite's primary result code of the last failure
    sqlite3* handle() const { return m_db; }
    const QString& path() const { return m_path; }

private:
    sqlite3* m_db = nullptr;
    QString m_path;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

private:
    Database& m_db;
    bool m_done = false;
};

} // namespace memoscope
