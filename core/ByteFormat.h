#pragma once

#include <QString>

namespace memoscope {

// "512 B", "12.5 KiB", "1.32 MiB", "2.00 GiB"; negative sizes keep their sign.
QString formatBytes(qint64 bytes);
// "+1.5 MiB" / "-300 KiB": a difference between runs.
QString formatByteDelta(qint64 bytes);

// "1048576", "512K", "64MiB", "2G", "1.5GB": binary multiples (K = 1024). False for anything else.
bool parseByteSize(const QString& text, qint64* bytes);

} // namespace memoscope
