#include "CliContext.h"

#include "core/Store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <cstdio>

namespace memoscope {

void CliContext::print(const QString& text) const
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

void CliContext::printJson(const QJsonValue& json) const
{
    const QJsonDocument document = json.isArray() ? QJsonDocument(json.toArray()) : QJsonDocument(json.toObject());
    print(QString::fromUtf8(document.toJson(QJsonDocument::Indented)));
}

int CliContext::fail(ExitCode code, const QString& message) const
{
    note(QStringLiteral("error: ") + message);
    return code;
}

void CliContext::note(const QString& message) const
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(m_program), message.toUtf8().constData());
    std::fflush(stderr);
}

bool CliContext::parse(QCommandLineParser& parser, const QStringList& arguments, int* exitCode) const
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(QStringList { QStringLiteral("h"), QStringLiteral("help") },
        QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(QStringList { m_program } + arguments)) {
        // QCommandLineParser reads "-1" as the option "1": say what the word is not.
        static const QRegularExpression negative(QStringLiteral("^-[0-9][0-9.]*$"));
        for (const QString& word : arguments)
            if (negative.match(word).hasMatch()) {
                *exitCode = fail(ExitBadInput,
                    QStringLiteral("'%1' is neither a run id (whole numbers from 1; `memoscope-cli runs` lists them) "
                                   "nor an option (see --help)")
                        .arg(word));
                return false;
            }
        *exitCode = fail(ExitBadInput, parser.errorText() + QStringLiteral(" (see --help)"));
        return false;
    }
    // An option whose value is missing takes the next option as its value (`--input --db x.sqlite`), and the
    // error shows up far away ("needs exactly one model file"): name it here.
    static const QRegularExpression optionLike(QStringLiteral("^--?[A-Za-z]"));
    for (const QString& name : parser.optionNames())
        for (const QString& value : parser.values(name))
            if (optionLike.match(value).hasMatch()) {
                *exitCode = fail(ExitBadInput,
                    QStringLiteral("--%1 is missing its value: it is followed by the option %2").arg(name, value));
                return false;
            }
    if (parser.isSet(help)) {
        print(parser.helpText());
        *exitCode = ExitOk;
        return false;
    }
    return true;
}

QVector<qint64> CliContext::runIds(
    const QCommandLineParser& parser, int most, const QString& usage, int* exitCode) const
{
    const QStringList words = parser.positionalArguments();
    if (words.isEmpty() || (most > 0 && words.size() > most)) {
        *exitCode = fail(ExitBadInput, usage);
        return {};
    }
    QVector<qint64> ids;
    for (const QString& word : words) {
        bool ok = false;
        ids << word.toLongLong(&ok);
        if (!ok || ids.last() < 1) {
            *exitCode = fail(ExitBadInput, QStringLiteral("'%1' is not a run id; `memoscope-cli runs` lists them").arg(word));
            return {};
        }
    }
    return ids;
}

std::optional<StoredRun> CliContext::loadRun(Store& store, qint64 runId, bool withEvents, int* exitCode) const
{
    std::optional<StoredRun> run = store.load(runId, withEvents);
    if (!run)
        *exitCode = fail(ExitBadInput,
            QStringLiteral("there is no run %1 in this database; `memoscope-cli runs` lists them").arg(runId));
    return run;
}

QCommandLineOption CliContext::databaseOption()
{
    return QCommandLineOption(QStringLiteral("db"),
        QStringLiteral("The run database (default: %1).").arg(Store::defaultPath()), QStringLiteral("FILE"));
}

QCommandLineOption CliContext::jsonOption()
{
    return QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print JSON instead of text."));
}

std::unique_ptr<Store> CliContext::openStore(const QCommandLineParser& parser, StoreAccess access) const
{
    const QString path = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db")) : Store::defaultPath();
    return std::make_unique<Store>(path, access);
}

} // namespace memoscope
