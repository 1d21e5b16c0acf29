#pragma once
// Files the user asked for are written whole or not at all: the bytes go to a temporary file beside the
// destination (QSaveFile) that is renamed into place only once complete, so a full disk, a crash or an
// unwritable folder never leaves half a report or half a model behind, and an earlier file stays intact.

#include <QByteArray>
#include <QString>

namespace memoscope {

// Why `path` cannot be written, in words for people ("the folder /x does not exist"); empty when it looks
// writable. A cheap check before expensive work; the write itself can still fail and says so.
QString destinationProblem(const QString& path);

// On failure: false, *error says why, and nothing is left at `path` (an earlier file there is untouched).
bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error);
bool copyFileAtomically(const QString& source, const QString& destination, QString* error);

} // namespace memoscope
