// memoscope-cli: the headless front end. Each command lives in its own file; this only dispatches.

#include "CliContext.h"
#include "Supervisor.h"

#include "core/StoreError.h"

#include <QApplication>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace {
const char* const usage = "usage: memoscope-cli COMMAND [OPTIONS]\n"
                          "\n"
                          "Commands:\n"
                          "  from-python SOURCE --example SPEC --out MODEL.pt [--profile]\n"
                          "                                        a model in Python made TorchScript (and profiled)\n"
                          "  inspect MODEL.pt                      what a model takes and needs, and an --input line\n"
                          "  profile MODEL.pt --input SPEC [...]   profile a TorchScript model and store the run\n"
                          "  runs                                  list stored runs\n"
                          "  show RUN_ID [--layers]                show one run\n"
                          "  optimize MODEL.pt --apply TECHNIQUE --input SPEC --out FILE\n"
                          "                                        quantize or lower the precision of a model\n"
                          "  report RUN_ID [RUN_ID ...] --out FILE.html|FILE.pdf\n"
                          "                                        a report of runs to share, compared\n"
                          "  export RUN_ID --format model|csv|json|perfetto --out FILE\n"
                          "                                        a run's data, or the model it optimized\n"
                          "  advise RUN_ID [--budget BYTES [--apply]] what to do about a run's memory; a plan for a budget\n"
                          "  compare RUN_ID RUN_ID [...]           runs side by side, per-layer differences\n"
                          "  sweep-batch MODEL.pt --input SPEC --batches 1,2,4,8 [--budget BYTES]\n"
                          "                                        peak per batch size, and the largest that fits\n"
                          "  import TRACE [TRACE ...]              store runs recorded by memoscope_record in Python\n"
                          "\n"
                          "Run `memoscope-cli COMMAND --help` for a command's options.\n";

QtMessageHandler defaultHandler = nullptr;

// A QApplication warns on start when XDG_RUNTIME_DIR is unset (servers, CI); stderr is for the command's messages.
void withoutRuntimeDirWarning(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (!message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR")) && defaultHandler)
        defaultHandler(type, context, message);
}
}

int main(int argc, char** argv)
{
    memoscope::followSupervisor();
    // QCoreApplication may take its own options out of argv; the worker gets the command as it was given.
    std::vector<char*> given(argv, argv + argc);
    given.push_back(nullptr);
    // `report` draws QCustomPlot charts, which are widgets: only it gets a QApplication (offscreen when there is
    // no display), so every other command still starts without a window system.
    const bool widgets = argc > 1 && std::strcmp(argv[1], "report") == 0;
    if (widgets && qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    defaultHandler = qInstallMessageHandler(withoutRuntimeDirWarning);
    const std::unique_ptr<QCoreApplication> app
        = widgets ? std::make_unique<QApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    qInstallMessageHandler(defaultHandler);
    QCoreApplication::setApplicationName(QStringLiteral("memoscope"));
    QCoreApplication::setOrganizationName(QStringLiteral("memoscope"));

    QStringList arguments = QCoreApplication::arguments().mid(1);
    if (arguments.isEmpty() || arguments.first() == QLatin1String("--help") || arguments.first() == QLatin1String("-h")) {
        std::fputs(usage, arguments.isEmpty() ? stderr : stdout);
        return arguments.isEmpty() ? memoscope::ExitBadInput : memoscope::ExitOk;
    }
    const std::map<QString, std::function<int(const memoscope::CliContext&, const QStringList&)>> commands {
        { QStringLiteral("profile"), memoscope::runProfileCommand },
        { QStringLiteral("runs"), memoscope::runRunsCommand },
        { QStringLiteral("show"), memoscope::runShowCommand },
        { QStringLiteral("optimize"), memoscope::runOptimizeCommand },
        { QStringLiteral("report"), memoscope::runReportCommand },
        { QStringLiteral("export"), memoscope::runExportCommand },
        { QStringLiteral("advise"), memoscope::runAdviseCommand },
        { QStringLiteral("compare"), memoscope::runCompareCommand },
        { QStringLiteral("sweep-batch"), memoscope::runSweepBatchCommand },
        { QStringLiteral("import"), memoscope::runImportCommand },
        { QStringLiteral("inspect"), memoscope::runInspectCommand },
        { QStringLiteral("from-python"), memoscope::runFromPythonCommand },
    };
    const QString name = arguments.takeFirst();
    const auto command = commands.find(name);
    const memoscope::CliContext cli(QStringLiteral("memoscope-cli ") + name);
    if (command == commands.end())
        return memoscope::CliContext(QStringLiteral("memoscope-cli"))
            .fail(memoscope::ExitBadInput, QStringLiteral("unknown command '%1' (see memoscope-cli --help)").arg(name));
    if (memoscope::needsSupervision(QStringList { name } + arguments))
        return memoscope::superviseCommand(cli, given.data(), QStringList { name } + arguments);
    try {
        return command->second(cli, arguments);
    } catch (const memoscope::StoreError& error) {
        return cli.fail(error.unusable() ? memoscope::ExitBadInput : memoscope::ExitFailure, error.message());
    }
}
