#pragma once

#include <QString>

namespace memoscope {

// Hex SHA-256 of a file's contents; empty when it cannot be read.
QString sha256OfFile(const QString& path);

} // namespace memoscope
