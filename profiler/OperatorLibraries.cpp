#include "OperatorLibraries.h"

#include "SuppliedOperators.h"

#include <QDir>
#include <QFileInfo>
#include <dlfcn.h>
#include <mutex>

namespace memoscope {

namespace {
    // Debian's python3-torchvision is built against Debian's libtorch, the one Memoscope links; a torchvision
    // from pip is built against its own torch and is not looked for.
    const char* const torchvisionFolder = "/usr/lib/python3/dist-packages/torchvision";

    std::mutex& lock()
    {
        static std::mutex mutex;
        return mutex;
    }

    QStringList& loaded()
    {
        static QStringList paths;
        return paths;
    }

    // RTLD_GLOBAL as torch.ops.load_library: a library's operators may use symbols of one loaded before it.
    QString load(const QString& path)
    {
        const QString absolute = QFileInfo(path).absoluteFilePath();
        if (loaded().contains(absolute))
            return QString();
        if (!QFileInfo(absolute).isFile())
            return QStringLiteral("operator library %1 does not exist").arg(path);
        if (!dlopen(absolute.toLocal8Bit().constData(), RTLD_NOW | RTLD_GLOBAL))
            return QStringLiteral("operator library %1 did not load: %2").arg(path, QString::fromLocal8Bit(dlerror()));
        loaded() << absolute;
        return QString();
    }
}

QString loadOperatorLibraries(const QStringList& paths)
{
    const std::lock_guard<std::mutex> guard(lock());
    for (const QString& path : paths) {
        const QString error = load(path);
        if (!error.isEmpty())
            return error;
    }
    return QString();
}

QString loadTorchvisionOperators()
{
    static QString path;
    static std::once_flag once;
    std::call_once(once, [] {
        const QFileInfoList candidates = QDir(QString::fromLatin1(torchvisionFolder))
                                             .entryInfoList({ QStringLiteral("_C*.so") }, QDir::Files, QDir::Name);
        if (candidates.isEmpty())
            return;
        const std::lock_guard<std::mutex> guard(lock());
        if (load(candidates.first().absoluteFilePath()).isEmpty())
            path = candidates.first().absoluteFilePath();
    });
    return path;
}

QStringList loadedOperatorLibraries()
{
    const std::lock_guard<std::mutex> guard(lock());
    return loaded();
}

QString providerOf(const QString& qualifiedName)
{
    const QString space = qualifiedName.section(QStringLiteral("::"), 0, 0);
    if (space == QLatin1String("torchvision"))
        return QStringLiteral("install python3-torchvision (Memoscope loads its operators by itself), or pass "
                              "--ops-library with torchvision's _C library built for LibTorch 1.13");
    if (space == QLatin1String("aten") || space == QLatin1String("prim"))
        return QStringLiteral("an operator PyTorch added after 1.13 that Memoscope does not supply (it supplies %1); "
                              "export the model with PyTorch 1.13, or without this operator")
            .arg(suppliableOperators().join(QStringLiteral(", ")));
    return QStringLiteral("pass --ops-library with the shared library that defines the %1 operators (what "
                          "torch.ops.load_library loads in Python; in the app: File > Operator Libraries)")
        .arg(space);
}

} // namespace memoscope
