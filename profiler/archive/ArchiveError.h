#pragma once

#include <QString>
#include <stdexcept>

namespace memoscope {

// What is wrong with a model archive, in one sentence that names the record (or the byte) at fault: either the
// file is no TorchScript archive at all, or it is one that was damaged (cut short, changed, badly written).
class ArchiveError : public std::runtime_error {
public:
    enum class Kind { NotAnArchive, Damaged };
    explicit ArchiveError(const QString& message, Kind kind = Kind::Damaged)
        : std::runtime_error(message.toStdString())
        , m_kind(kind)
    {
    }
    QString message() const { return QString::fromUtf8(what()); }
    Kind kind() const { return m_kind; }

private:
    Kind m_kind;
};

} // namespace memoscope
