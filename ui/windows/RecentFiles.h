#pragma once
// The recently opened models, newest first, kept in the application's settings and shown as a menu.

#include <QMenu>
#include <QObject>
#include <QStringList>

namespace memoscope {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr);
    void add(const QString& path);
    QStringList files() const { return m_files; }

Q_SIGNALS:
    void fileChosen(const QString& path);

private:
    void rebuildMenu();
    QMenu* m_menu;
    QStringList m_files;
};

} // namespace memoscope
