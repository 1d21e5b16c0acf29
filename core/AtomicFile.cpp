#include "AtomicFile.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace memoscope {

QString destinationProblem(const QString& path)
{
    if (path.isEmpty())
        return QStringLiteral("no output file given");
    const QFileInfo file(path);
    if (file.isDir())
        return QStringLiteral("%1 is a folder, not a file").arg(path);
    const QFileInfo folder(file.absolutePath());
    if (!folder.exists())
        return QStringLiteral("cannot write %1: the folder %2 does not exist").arg(path, folder.filePath());
    if (!folder.isDir())
        return QStringLiteral("cannot write %1: %2 is not a folder").arg(path, folder.filePath());
    if (!folder.isWritable())
        return QStringLiteral("cannot write %1: the folder %2 is not writable").arg(path, folder.filePath());
    if (file.exists() && !file.isWritable())
        return QStringLiteral("cannot write %1: the file is read-only").arg(path);
    return {};
}

namespace {
    bool fail(QString* error, const QString& message)
    {
        if (error)
            *error = message;
        return false;
    }

    bool openForWriting(QSaveFile* file, const QString& path, QString* error)
    {
        const QString problem = destinationProblem(path);
        if (!problem.isEmpty())
            return fail(error, problem);
        if (!file->open(QIODevice::WriteOnly))
            return fail(error, QStringLiteral("cannot write %1: %2").arg(path, file->errorString()));
        return true;
    }

    bool commit(QSaveFile* file, const QString& path, QString* error)
    {
        if (!file->commit()) // on failure QSaveFile removes its temporary file
            return fail(error, QStringLiteral("cannot write %1: %2").arg(path, file->errorString()));
        return true;
    }
}

bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error)
{
    QSaveFile file(path);
    if (!openForWriting(&file, path, error))
        return false;
    if (file.write(bytes) != bytes.size()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return fail(error, QStringLiteral("cannot write %1: %2").arg(path, reason));
    }
    return commit(&file, path, error);
}

bool copyFileAtomically(const QString& source, const QString& destination, QString* error)
{
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly))
        return fail(error, QStringLiteral("cannot read %1: %2").arg(source, in.errorString()));
    QSaveFile out(destination);
    if (!openForWriting(&out, destination, error))
        return false;
    // In pieces: a model can be gigabytes.
    constexpr qint64 chunk = 4 << 20;
    while (!in.atEnd()) {
        const QByteArray bytes = in.read(chunk);
        if (bytes.isEmpty() && in.error() != QFileDevice::NoError) {
            out.cancelWriting();
            return fail(error, QStringLiteral("cannot read %1: %2").arg(source, in.errorString()));
        }
        if (out.write(bytes) != bytes.size()) {
            const QString reason = out.errorString();
            out.cancelWriting();
            return fail(error, QStringLiteral("cannot write %1: %2").arg(destination, reason));
        }
    }
    return commit(&out, destination, error);
}

} // namespace memoscope
