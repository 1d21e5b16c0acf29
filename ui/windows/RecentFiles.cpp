#include "RecentFiles.h"

#include <QFileInfo>
#include <QSettings>

namespace memoscope {

namespace {
    constexpr int maximumFiles = 8;
    const char* const settingsKey = "recentFiles";
}

RecentFiles::RecentFiles(QMenu* menu, QObject* parent)
    : QObject(parent)
    , m_menu(menu)
    , m_files(QSettings().value(QLatin1String(settingsKey)).toStringList())
{
    rebuildMenu();
}

void RecentFiles::add(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    m_files.removeAll(absolute);
    m_files.prepend(absolute);
    while (m_files.size() > maximumFiles)
        m_files.removeLast();
    QSettings().setValue(QLatin1String(settingsKey), m_files);
    rebuildMenu();
}

void RecentFiles::rebuildMenu()
{
    m_menu->clear();
    for (int i = 0; i < m_files.size(); ++i) {
        const QString path = m_files[i];
        QAction* action = m_menu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName()));
        action->setToolTip(path);
        action->setStatusTip(path);
        connect(action, &QAction::triggered, this, [this, path] { Q_EMIT fileChosen(path); });
    }
    m_menu->setEnabled(!m_files.isEmpty());
}

} // namespace memoscope
