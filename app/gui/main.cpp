// memoscope: the desktop application. `memoscope [MODEL.pt]`; with no argument it reopens the last run shown
// in the database, or, in the default database while it is empty, profiles the bundled demo model.

#include "ui/windows/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("memoscope"));
    QApplication::setOrganizationName(QStringLiteral("memoscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Memoscope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Memory profiler and optimization advisor for PyTorch models."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("MODEL.pt"), QStringLiteral("A TorchScript model to open."));
    const QCommandLineOption database(QStringLiteral("db"), QStringLiteral("The run database."), QStringLiteral("FILE"));
    parser.addOption(database);
    parser.process(app);

    const QString lastDatabase = parser.isSet(database) ? parser.value(database)
                                                        : QSettings().value(QStringLiteral("lastDatabase")).toString();
    memoscope::MainWindow window(memoscope::AppPaths::locate(lastDatabase));
    window.show();
    const QStringList models = parser.positionalArguments();
    if (models.isEmpty())
        window.startUp();
    else
        window.openModel(models.first());
    return app.exec();
}
