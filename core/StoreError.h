#pragma once

#include <QString>
#include <stdexcept>

namespace memoscope {

// Anything the run database refuses. `Unusable` is the user's file: a folder, not SQLite, damaged, another
// program's database, or newer than this build (the CLI exits 2); `Failure` is a statement or write that
// failed on a usable store (exit 1).
class StoreError : public std::runtime_error {
public:
    enum class Kind { Failure, Unusable };
    explicit StoreError(const QString& message, Kind kind = Kind::Failure)
        : std::runtime_error(message.toStdString())
        , m_kind(kind)
    {
    }
    QString message() const { return QString::fromUtf8(what()); }
    bool unusable() const { return m_kind == Kind::Unusable; }

private:
    Kind m_kind;
};

} // namespace memoscope
