#include "Supervisor.h"

#include "CliContext.h"

#include "core/ProcessIdentity.h"
#include "core/Store.h"

#include <QFileInfo>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace memoscope {

namespace {
    const char* const supervisorVariable = "MEMOSCOPE_SUPERVISOR_PID";
    volatile sig_atomic_t childPid = 0;
    bool supervised = false; // this process is the worker child: it must never supervise again

    // Ctrl+C, a terminal hanging up, `kill`: the child is the one that must stop.
    void forwardToChild(int signal)
    {
        if (childPid > 0)
            kill(pid_t(childPid), signal);
    }

    QString databaseOf(const QStringList& arguments)
    {
        for (int i = 0; i < arguments.size(); ++i) {
            const QString& word = arguments[i];
            if ((word == QLatin1String("--db") || word == QLatin1String("-db")) && i + 1 < arguments.size())
                return arguments[i + 1];
            for (const char* prefix : { "--db=", "-db=" })
                if (word.startsWith(QLatin1String(prefix)))
                    return word.mid(int(std::strlen(prefix)));
        }
        return Store::defaultPath();
    }

    // The child's runs that it could not finish, marked failed with what happened; their ids.
    QVector<qint64> failRunsOf(pid_t child, const QString& database, const QString& message)
    {
        if (!QFileInfo::exists(database))
            return {};
        try {
            Store store(database);
            return store.failRunsOfProcess(qint64(child), message);
        } catch (const StoreError&) {
            return {}; // they stay `running` until a reader reaps them as abandoned: still never `complete`
        }
    }

    QString describe(int signal)
    {
        const char* name = strsignal(signal);
        return QStringLiteral("signal %1, %2").arg(signal).arg(QString::fromLocal8Bit(name ? name : "unknown"));
    }
}

bool needsSupervision(const QStringList& arguments)
{
    if (supervised || std::getenv(supervisorVariable) || arguments.isEmpty())
        return false;
    const QString& command = arguments.first();
    return command == QLatin1String("profile") || command == QLatin1String("optimize")
        || command == QLatin1String("sweep-batch")
        || (command == QLatin1String("advise") && arguments.contains(QStringLiteral("--apply")))
        || (command == QLatin1String("from-python") && arguments.contains(QStringLiteral("--profile")));
}

void followSupervisor()
{
    const char* supervisor = std::getenv(supervisorVariable);
    if (!supervisor)
        return;
    supervised = true;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != pid_t(std::atoll(supervisor)))
        _exit(ExitFailure); // the supervisor died before prctl took effect
    unsetenv(supervisorVariable); // programs the worker starts are not workers
}

int superviseCommand(const CliContext& cli, char** argv, const QStringList& arguments)
{
    const QByteArray marker = QByteArray(supervisorVariable) + '=' + QByteArray::number(qint64(getpid()));
    std::vector<char*> environment;
    for (char** variable = environ; *variable; ++variable)
        environment.push_back(*variable);
    environment.push_back(const_cast<char*>(marker.constData()));
    environment.push_back(nullptr);

    for (int signal : { SIGINT, SIGTERM, SIGHUP, SIGQUIT })
        std::signal(signal, forwardToChild);
    pid_t child = 0;
    if (posix_spawn(&child, "/proc/self/exe", nullptr, nullptr, argv, environment.data()) != 0)
        return cli.fail(ExitFailure,
            QStringLiteral("cannot start the worker process: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    childPid = child;
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) { }
    childPid = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);

    const int signal = WTERMSIG(status);
    const bool interrupted = signal == SIGINT || signal == SIGTERM || signal == SIGHUP || signal == SIGQUIT;
    const QString message = interrupted ? QStringLiteral("the run was interrupted (%1)").arg(describe(signal))
        : signal == SIGKILL
        ? QStringLiteral("the worker process was killed (%1), by a user or by the kernel when the machine ran out "
                         "of memory")
              .arg(describe(signal))
        : QStringLiteral("the model crashed the worker process (%1); LibTorch does not survive this model with "
                         "these inputs")
              .arg(describe(signal));
    const QVector<qint64> runs = failRunsOf(child, databaseOf(arguments), message);
    QString stored;
    for (qint64 run : runs)
        stored += QStringLiteral(" (stored as run %1, status failed)").arg(run);
    cli.fail(ExitModelFailed, message + stored);
    if (interrupted) {
        // Ended by the same signal, as a shell expects of an interrupted program.
        std::signal(signal, SIG_DFL);
        raise(signal);
    }
    return ExitModelFailed;
}

} // namespace memoscope
