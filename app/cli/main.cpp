// memoscope-cli: the headless front end. Each command lives in its own file; this only dispatches.

#include "CliContext.h"

#include "core/StoreError.h"

#include <QCoreApplication>
#include <cstdio>
#include <functional>
#include <map>

namespace {
const char* const usage = "usage: memoscope-cli COMMAND [OPTIONS]\n"
                          "\n"
                          "Commands:\n"
                          "  profile MODEL.pt --input SPEC [...]   profile a TorchScript model and store the run\n"
                          "  runs                                  list stored runs\n"
                          "  show RUN_ID [--layers]                show one run\n"
                          "  optimize MODEL.pt --apply TECHNIQUE --input SPEC --out FILE\n"
                          "                                        quantize or lower the precision of a model\n"
                          "  sweep-batch MODEL.pt --input SPEC --batches 1,2,4,8 [--budget BYTES]\n"
                          "                                        peak per batch size, and the largest that fits\n"
                          "\n"
                          "Run `memoscope-cli COMMAND --help` for a command's options.\n";
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("memoscope"));
    QCoreApplication::setOrganizationName(QStringLiteral("memoscope"));

    QStringList arguments = app.arguments().mid(1);
    if (arguments.isEmpty() || arguments.first() == QLatin1String("--help") || arguments.first() == QLatin1String("-h")) {
        std::fputs(usage, arguments.isEmpty() ? stderr : stdout);
        return arguments.isEmpty() ? memoscope::ExitBadInput : memoscope::ExitOk;
    }
    const std::map<QString, std::function<int(const memoscope::CliContext&, const QStringList&)>> commands {
        { QStringLiteral("profile"), memoscope::runProfileCommand },
        { QStringLiteral("runs"), memoscope::runRunsCommand },
        { QStringLiteral("show"), memoscope::runShowCommand },
        { QStringLiteral("optimize"), memoscope::runOptimizeCommand },
        { QStringLiteral("sweep-batch"), memoscope::runSweepBatchCommand },
    };
    const QString name = arguments.takeFirst();
    const auto command = commands.find(name);
    const memoscope::CliContext cli(QStringLiteral("memoscope-cli ") + name);
    if (command == commands.end())
        return memoscope::CliContext(QStringLiteral("memoscope-cli"))
            .fail(memoscope::ExitBadInput, QStringLiteral("unknown command '%1' (see memoscope-cli --help)").arg(name));
    try {
        return command->second(cli, arguments);
    } catch (const memoscope::StoreError& error) {
        return cli.fail(memoscope::ExitFailure, error.message());
    }
}
