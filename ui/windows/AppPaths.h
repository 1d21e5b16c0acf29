#pragma once
// Where the application finds its worker, its bundled demo and its database, installed or in a build tree.

#include "core/RunConfig.h"

#include <QString>

namespace memoscope {

struct AppPaths {
    QString workerPath; // memoscope-cli, next to the application
    QString databasePath;
    QString demoModelPath; // empty when the demo is not installed

    // Looks next to the executable, then in the install's share folder, then in the source tree it was built
    // from. `databasePath` defaults to the last one used (settings) or the store's default.
    static AppPaths locate(const QString& lastDatabase);
};

// How the bundled demo model is run on first start.
RunConfig demoRunConfig(const QString& demoModelPath);

} // namespace memoscope
