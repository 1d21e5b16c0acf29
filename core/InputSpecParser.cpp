// The input-spec grammar (see InputSpec.h). A recursive descent over the text: containers are delimited by
// their brackets and commas, and everything else is an atom (a tensor spec, a scalar, none or a file path).
// At the top level an atom is the whole text, so a file path may hold commas.

#include "InputSpec.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <cmath>
#include <limits>

namespace memoscope {

namespace {
    constexpr int maximumDepth = 16; // deeper nesting is a typo, and the parser must not overflow the stack

    struct TypeBounds {
        const char* name;
        double lowest;
        double highest;
    };
    // What each dtype can hold. Integer ranges are inclusive; a range is drawn with random_(low, high + 1), so
    // int64's top is the largest double below 2^63.
    const TypeBounds typeBounds[] = { { "float32", -double(std::numeric_limits<float>::max()),
                                          double(std::numeric_limits<float>::max()) },
        { "float64", -std::numeric_limits<double>::max(), std::numeric_limits<double>::max() },
        { "float16", -65504.0, 65504.0 }, { "bfloat16", -3.3895313892515355e38, 3.3895313892515355e38 },
        { "int64", -9223372036854775808.0, 9223372036854774784.0 }, { "int32", -2147483648.0, 2147483647.0 },
        { "int16", -32768.0, 32767.0 }, { "int8", -128.0, 127.0 }, { "uint8", 0.0, 255.0 }, { "bool", 0.0, 1.0 } };

    const TypeBounds& boundsOf(const QString& dtype)
    {
        for (const TypeBounds& bounds : typeBounds)
            if (dtype == QLatin1String(bounds.name))
                return bounds;
        return typeBounds[0];
    }

    QString number(double value) { return QString::number(value, 'g', 6); }

    // Control characters shown as escapes, so a message names the newline a shell quote let through.
    QString visible(const QString& text)
    {
        QString shown;
        for (QChar c : text) {
            if (c == QLatin1Char('\n'))
                shown += QStringLiteral("\\n");
            else if (c == QLatin1Char('\t'))
                shown += QStringLiteral("\\t");
            else if (c == QLatin1Char('\r'))
                shown += QStringLiteral("\\r");
            else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                shown += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
            else
                shown += c;
        }
        return shown;
    }

    bool parseShape(const QString& text, QVector<qint64>* shape, QString* error)
    {
        static const QRegularExpression form(QStringLiteral("^\\d+(x\\d+)*$"));
        if (!form.match(text).hasMatch()) {
            *error = QStringLiteral("'%1' is not a shape: write the sizes joined by 'x', e.g. 8x3x224x224").arg(text);
            return false;
        }
        qint64 elements = 1;
        for (const QString& part : text.split(QLatin1Char('x'))) {
            bool ok = false;
            const qint64 size = part.toLongLong(&ok);
            if (ok && size <= 0) {
                *error = QStringLiteral("shape '%1' has a size of %2: every size must be at least 1").arg(text, part);
                return false;
            }
            if (!ok || elements > std::numeric_limits<qint64>::max() / size || elements * size > (qint64(1) << 40)) {
                *error = QStringLiteral("shape '%1' is too large (more than 2^40 elements)").arg(text);
                return false;
            }
            elements *= size;
            shape->append(size);
        }
        return true;
    }

    bool parseRange(const QString& text, double* low, double* high, QString* error)
    {
        const QStringList ends = text.split(QStringLiteral(".."));
        bool okLow = false;
        bool okHigh = false;
        if (ends.size() == 2) {
            *low = ends[0].toDouble(&okLow);
            *high = ends[1].toDouble(&okHigh);
        }
        if (!okLow || !okHigh || !std::isfinite(*low) || !std::isfinite(*high)) {
            *error = QStringLiteral("'%1' is not a range: write LOW..HIGH with two finite numbers, e.g. 0..7999")
                         .arg(text);
            return false;
        }
        if (*low > *high) {
            *error = QStringLiteral("range '%1' is empty: LOW must not exceed HIGH").arg(text);
            return false;
        }
        return true;
    }

    // Whether the dtype can hold the range and LibTorch can draw from it (uniform_ needs HIGH - LOW to fit too).
    bool checkRangeFits(const InputSpec& spec, const QString& text, QString* error)
    {
        const bool integer = InputSpec::isIntegerType(spec.dtype);
        if (integer && (spec.low != std::floor(spec.low) || spec.high != std::floor(spec.high))) {
            *error = QStringLiteral("input '%1': an integer type needs whole-number bounds").arg(text);
            return false;
        }
        if (!integer && spec.low == spec.high) {
            *error = QStringLiteral("input '%1': a float range needs LOW < HIGH").arg(text);
            return false;
        }
        const TypeBounds& bounds = boundsOf(spec.dtype);
        if (spec.low < bounds.lowest || spec.high > bounds.highest) {
            *error = QStringLiteral("input '%1': %2 holds %3..%4, so the range %5..%6 does not fit; choose bounds "
                                    "within it or a wider type")
                         .arg(text, spec.dtype, number(bounds.lowest), number(bounds.highest), number(spec.low),
                             number(spec.high));
            return false;
        }
        if (!integer && spec.high - spec.low > bounds.highest) {
            *error = QStringLiteral("input '%1': the range %2..%3 is wider than %4 can hold (%5); narrow it")
                         .arg(text, number(spec.low), number(spec.high), spec.dtype, number(bounds.highest));
            return false;
        }
        return true;
    }

    bool parseTensor(const QStringList& parts, const QString& text, InputSpec* spec, QString* error)
    {
        if (parts.size() > 3) {
            *error = QStringLiteral("input '%1' has too many ':' parts: write SHAPE[:DTYPE][:LOW..HIGH]").arg(text);
            return false;
        }
        for (int i = 1; i < parts.size(); ++i) {
            const QString& part = parts[i];
            if (part.contains(QStringLiteral(".."))) {
                if (i != parts.size() - 1) {
                    *error = QStringLiteral("in input '%1' the range must come last").arg(text);
                    return false;
                }
                if (!parseRange(part, &spec->low, &spec->high, error))
                    return false;
                spec->hasRange = true;
            } else if (i == 1 && InputSpec::dtypeNames().contains(part)) {
                spec->dtype = part;
            } else {
                *error = QStringLiteral("input '%1': unknown type '%2' (known: %3)")
                             .arg(text, part, InputSpec::dtypeNames().join(QStringLiteral(", ")));
                return false;
            }
        }
        return !spec->hasRange || checkRangeFits(*spec, text, error);
    }

    // str:"TEXT" may hold what would end it or be trimmed, with \" and \\ for a quote and a backslash.
    bool unquote(const QString& value, QString* text)
    {
        if (!value.startsWith(QLatin1Char('"'))) {
            *text = value;
            return true;
        }
        text->clear();
        for (int i = 1; i < value.size(); ++i) {
            if (value[i] == QLatin1Char('\\') && i + 1 < value.size())
                *text += value[++i];
            else if (value[i] == QLatin1Char('"'))
                return i == value.size() - 1;
            else
                *text += value[i];
        }
        return false;
    }

    // int:N, float:X, bool:B and str:TEXT. False with *error empty when `text` is not a scalar at all.
    bool parseScalar(const QString& text, InputSpec* spec, QString* error)
    {
        const QString kind = text.section(QLatin1Char(':'), 0, 0);
        const QString value = text.section(QLatin1Char(':'), 1);
        bool ok = false;
        if (kind == QLatin1String("int")) {
            spec->kind = InputSpec::Kind::Int;
            spec->intValue = value.toLongLong(&ok);
            if (!ok)
                *error
                    = QStringLiteral("'%1' is not an int: write int:N with a whole number, e.g. int:16000").arg(text);
        } else if (kind == QLatin1String("float")) {
            spec->kind = InputSpec::Kind::Float;
            spec->floatValue = value.toDouble(&ok);
            ok = ok && std::isfinite(spec->floatValue);
            if (!ok)
                *error = QStringLiteral("'%1' is not a float: write float:X with a finite number, e.g. float:0.5")
                             .arg(text);
        } else if (kind == QLatin1String("bool")) {
            spec->kind = InputSpec::Kind::Bool;
            const QString word = value.toLower();
            ok = word == QLatin1String("true") || word == QLatin1String("false") || word == QLatin1String("1")
                || word == QLatin1String("0");
            spec->boolValue = word == QLatin1String("true") || word == QLatin1String("1");
            if (!ok)
                *error = QStringLiteral("'%1' is not a bool: write bool:true or bool:false").arg(text);
        } else if (kind == QLatin1String("str")) {
            spec->kind = InputSpec::Kind::Str;
            ok = unquote(value, &spec->text);
            if (!ok)
                *error = QStringLiteral("'%1' has no closing '\"': write str:\"TEXT\" with \\\" for a quote inside")
                             .arg(text);
        }
        return ok;
    }

    // A tensor spec, scalar, none or file path, with nothing around it.
    std::optional<InputSpec> parseAtom(const QString& text, QString* error)
    {
        InputSpec spec;
        if (text == QLatin1String("none"))
            return InputSpec { InputSpec::Kind::None };
        QString scalarError;
        if (parseScalar(text, &spec, &scalarError))
            return spec;
        if (!scalarError.isEmpty()) {
            *error = scalarError;
            return std::nullopt;
        }
        const QStringList parts = text.split(QLatin1Char(':'));
        QString shapeError;
        if (parseShape(parts[0], &spec.shape, &shapeError)) {
            if (!parseTensor(parts, text, &spec, error))
                return std::nullopt;
            return spec;
        }
        const QFileInfo file(text);
        if (file.isDir()) {
            *error = QStringLiteral("input %1 is a folder: give a file saved with torch.save, or a spec %2")
                         .arg(text, QStringLiteral("SHAPE[:DTYPE][:LOW..HIGH]"));
            return std::nullopt;
        }
        if (file.isFile()) {
            spec = InputSpec { InputSpec::Kind::File };
            spec.filePath = file.absoluteFilePath();
            return spec;
        }
        if (text.endsWith(QLatin1String(".pt")) || text.endsWith(QLatin1String(".pth")))
            *error = QStringLiteral("input file %1 does not exist").arg(text);
        else if (text.isEmpty())
            *error = QStringLiteral("an input spec is empty: write %1").arg(inputSpecSyntax());
        else
            *error = QStringLiteral("input '%1' is neither a spec (%2) nor an existing file: %3")
                         .arg(text, inputSpecSyntax(), shapeError);
        return std::nullopt;
    }

    class Parser {
    public:
        explicit Parser(const QString& text)
            : m_text(text)
        {
        }

        std::optional<InputSpec> parseWhole(QString* error)
        {
            skipSpaces();
            std::optional<InputSpec> spec;
            const bool nested = m_pos < m_text.size() && isOpening(m_text[m_pos]);
            if (nested) {
                spec = container(0);
                skipSpaces();
                if (spec && m_pos < m_text.size())
                    m_error = QStringLiteral("'%1' after the closing '%2'; put the whole spec in one pair of brackets")
                                  .arg(m_text.mid(m_pos), m_text[m_pos - 1]);
            } else {
                spec = parseAtom(m_text.trimmed(), &m_error);
            }
            if (!m_error.isEmpty()) {
                *error = nested ? QStringLiteral("in input '%1': %2").arg(m_text.trimmed(), m_error) : m_error;
                return std::nullopt;
            }
            return spec;
        }

    private:
        static bool isOpening(QChar c)
        {
            return c == QLatin1Char('[') || c == QLatin1Char('(') || c == QLatin1Char('{');
        }
        static bool ends(QChar c)
        {
            return c == QLatin1Char(',') || c == QLatin1Char(']') || c == QLatin1Char(')') || c == QLatin1Char('}');
        }
        void skipSpaces()
        {
            while (m_pos < m_text.size() && m_text[m_pos] == QLatin1Char(' '))
                ++m_pos;
        }
        bool fail(const QString& message)
        {
            if (m_error.isEmpty())
                m_error = message;
            return false;
        }

        std::optional<InputSpec> value(int depth)
        {
            skipSpaces();
            if (m_pos < m_text.size() && isOpening(m_text[m_pos]))
                return container(depth);
            const QString text = atomText();
            if (!m_error.isEmpty())
                return std::nullopt;
            QString error;
            std::optional<InputSpec> spec = parseAtom(text, &error);
            if (!spec)
                fail(error);
            return spec;
        }

        // An atom inside a container: up to the next ',' or closing bracket; str:"..." may hold them quoted.
        QString atomText()
        {
            const int start = m_pos;
            if (m_text.mid(m_pos, 5) == QLatin1String("str:\"")) {
                m_pos += 5;
                while (m_pos < m_text.size() && m_text[m_pos] != QLatin1Char('"'))
                    m_pos += m_text[m_pos] == QLatin1Char('\\') ? 2 : 1;
                if (m_pos >= m_text.size()) {
                    fail(QStringLiteral("'%1' has no closing '\"'").arg(m_text.mid(start)));
                    return QString();
                }
                const QString quoted = m_text.mid(start, ++m_pos - start);
                skipSpaces();
                return quoted;
            }
            while (m_pos < m_text.size() && !ends(m_text[m_pos]) && !isOpening(m_text[m_pos]))
                ++m_pos;
            if (m_pos < m_text.size() && isOpening(m_text[m_pos]))
                fail(QStringLiteral("unexpected '%1' after '%2'")
                         .arg(m_text[m_pos])
                         .arg(m_text.mid(start, m_pos - start)));
            return m_text.mid(start, m_pos - start).trimmed();
        }

        std::optional<InputSpec> container(int depth)
        {
            if (depth >= maximumDepth) {
                fail(QStringLiteral("input specs nest at most %1 deep").arg(maximumDepth));
                return std::nullopt;
            }
            const QChar open = m_text[m_pos++];
            const QChar close = open == QLatin1Char('[') ? QLatin1Char(']')
                : open == QLatin1Char('(')               ? QLatin1Char(')')
                                                         : QLatin1Char('}');
            InputSpec spec;
            spec.kind = open == QLatin1Char('[') ? InputSpec::Kind::List
                : open == QLatin1Char('(')       ? InputSpec::Kind::Tuple
                                                 : InputSpec::Kind::Dict;
            skipSpaces();
            if (m_pos < m_text.size() && m_text[m_pos] == close) {
                ++m_pos;
                return spec;
            }
            while (m_error.isEmpty()) {
                if (spec.kind == InputSpec::Kind::Dict && !dictKey(&spec))
                    return std::nullopt;
                std::optional<InputSpec> element = value(depth + 1);
                if (!element)
                    return std::nullopt;
                spec.elements << *element;
                skipSpaces();
                if (m_pos >= m_text.size()) {
                    fail(QStringLiteral("'%1' is missing its closing '%2'").arg(m_text.trimmed(), close));
                    return std::nullopt;
                }
                const QChar next = m_text[m_pos++];
                if (next == close)
                    return spec;
                if (next != QLatin1Char(',')) {
                    fail(QStringLiteral("'%1' where '%2' or ',' belongs").arg(next).arg(close));
                    return std::nullopt;
                }
                skipSpaces();
                // A trailing comma, as Python writes a one-element tuple.
                if (m_pos < m_text.size() && m_text[m_pos] == close && spec.kind == InputSpec::Kind::Tuple) {
                    ++m_pos;
                    return spec;
                }
            }
            return std::nullopt;
        }

        bool dictKey(InputSpec* spec)
        {
            skipSpaces();
            const int colon = m_text.indexOf(QLatin1Char(':'), m_pos);
            const QString key = colon < 0 ? QString() : m_text.mid(m_pos, colon - m_pos).trimmed();
            static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9_.\\-]+$"));
            if (!name.match(key).hasMatch())
                return fail(QStringLiteral("a dict entry is written name:SPEC, e.g. {boxes:4x4,labels:4:int64:0..90}; "
                                           "got '%1'")
                                .arg(m_text.mid(m_pos).section(QLatin1Char(','), 0, 0)));
            if (spec->keys.contains(key))
                return fail(QStringLiteral("the dict names '%1' twice").arg(key));
            spec->keys << key;
            m_pos = colon + 1;
            return true;
        }

        const QString& m_text;
        int m_pos = 0;
        QString m_error;
    };
}

std::optional<InputSpec> InputSpec::parse(const QString& text, QString* error)
{
    for (QChar c : text)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f) {
            *error = QStringLiteral("input '%1' holds a control character: write the spec on one line, without "
                                    "newlines or tabs")
                         .arg(visible(text));
            return std::nullopt;
        }
    if (text.trimmed().isEmpty()) {
        *error = QStringLiteral("an input spec is empty: write %1").arg(inputSpecSyntax());
        return std::nullopt;
    }
    return Parser(text).parseWhole(error);
}

} // namespace memoscope
