#pragma once

#include <QString>
#include <stdexcept>

namespace memoscope {

// Anything the run database refuses: it cannot be opened, is newer than this build, or a statement failed.
class StoreError : public std::runtime_error {
public:
    explicit StoreError(const QString& message)
        : std::runtime_error(message.toStdString())
    {
    }
    QString message() const { return QString::fromUtf8(what()); }
};

} // namespace memoscope
