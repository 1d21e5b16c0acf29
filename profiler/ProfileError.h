#pragma once
// An error that ends a profiling job, with the exit code it maps to and one message for the user.

#include "core/ExitCode.h"

#include <QString>
#include <stdexcept>

namespace memoscope {

class ProfileError : public std::runtime_error {
public:
    ProfileError(ExitCode code, const QString& message)
        : std::runtime_error(message.toStdString())
        , m_code(code)
    {
    }
    ExitCode code() const { return m_code; }
    QString message() const { return QString::fromUtf8(what()); }

private:
    ExitCode m_code;
};

// The first line of a LibTorch error, without the C++ stack trace it appends.
QString shortTorchMessage(const std::exception& error);

} // namespace memoscope
