#include "InputSpec.h"

#include <QLocale>

namespace memoscope {

namespace {
    const QStringList integerTypes = { QStringLiteral("int64"), QStringLiteral("int32"), QStringLiteral("int16"),
        QStringLiteral("int8"), QStringLiteral("uint8"), QStringLiteral("bool") };
    const QStringList floatTypes = { QStringLiteral("float32"), QStringLiteral("float64"), QStringLiteral("float16"),
        QStringLiteral("bfloat16") };

    QString number(double value) { return QString::number(value, 'g', QLocale::FloatingPointShortest); }

    // Text of a str spec, quoted when it holds what would end it inside a container or be trimmed.
    QString quotedText(const QString& text)
    {
        static const QString special = QStringLiteral(",[](){}\"\\");
        bool plain = !text.isEmpty() && !text.front().isSpace() && !text.back().isSpace();
        for (QChar c : text)
            plain = plain && !special.contains(c);
        if (plain)
            return text;
        QString quoted = QStringLiteral("\"");
        for (QChar c : text) {
            if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
                quoted += QLatin1Char('\\');
            quoted += c;
        }
        return quoted + QLatin1Char('"');
    }
}

QStringList InputSpec::dtypeNames() { return floatTypes + integerTypes; }

bool InputSpec::isIntegerType(const QString& dtype) { return integerTypes.contains(dtype); }

int InputSpec::elementBytes(const QString& dtype)
{
    if (dtype == QLatin1String("float64") || dtype == QLatin1String("int64"))
        return 8;
    if (dtype == QLatin1String("float32") || dtype == QLatin1String("int32"))
        return 4;
    if (dtype == QLatin1String("float16") || dtype == QLatin1String("bfloat16") || dtype == QLatin1String("int16"))
        return 2;
    return 1;
}

QString InputSpec::kindName() const
{
    switch (kind) {
    case Kind::Tensor:
        return QStringLiteral("a tensor spec");
    case Kind::File:
        return QStringLiteral("a tensor file");
    case Kind::Int:
        return QStringLiteral("an int");
    case Kind::Float:
        return QStringLiteral("a float");
    case Kind::Bool:
        return QStringLiteral("a bool");
    case Kind::Str:
        return QStringLiteral("a str");
    case Kind::None:
        return QStringLiteral("none");
    case Kind::List:
        return QStringLiteral("a list");
    case Kind::Tuple:
        return QStringLiteral("a tuple");
    case Kind::Dict:
        return QStringLiteral("a dict");
    }
    return QString();
}

qint64 InputSpec::elementCount() const
{
    qint64 count = 1;
    for (qint64 size : shape)
        count *= size;
    return count;
}

qint64 InputSpec::byteCount() const
{
    qint64 bytes = 0;
    for (const InputSpec* tensor : tensors())
        bytes += tensor->elementCount() * elementBytes(tensor->dtype);
    return bytes;
}

QVector<const InputSpec*> InputSpec::tensors() const
{
    QVector<const InputSpec*> found;
    if (kind == Kind::Tensor)
        found << this;
    for (const InputSpec& element : elements)
        found << element.tensors();
    return found;
}

QString InputSpec::toString() const
{
    auto joined = [this](bool withKeys) {
        QStringList parts;
        for (int i = 0; i < elements.size(); ++i)
            parts << (withKeys ? keys.value(i) + QLatin1Char(':') : QString()) + elements[i].toString();
        return parts.join(QLatin1Char(','));
    };
    switch (kind) {
    case Kind::Tensor: {
        QStringList sizes;
        for (qint64 size : shape)
            sizes << QString::number(size);
        QString text = sizes.join(QLatin1Char('x')) + QLatin1Char(':') + dtype;
        if (hasRange)
            text += QStringLiteral(":%1..%2").arg(number(low), number(high));
        return text;
    }
    case Kind::File:
        return filePath;
    case Kind::Int:
        return QStringLiteral("int:%1").arg(intValue);
    case Kind::Float:
        return QStringLiteral("float:%1").arg(number(floatValue));
    case Kind::Bool:
        return boolValue ? QStringLiteral("bool:true") : QStringLiteral("bool:false");
    case Kind::Str:
        return QStringLiteral("str:") + quotedText(text);
    case Kind::None:
        return QStringLiteral("none");
    case Kind::List:
        return QLatin1Char('[') + joined(false) + QLatin1Char(']');
    case Kind::Tuple:
        return QLatin1Char('(') + joined(false) + (elements.size() == 1 ? QStringLiteral(",)") : QStringLiteral(")"));
    case Kind::Dict:
        return QLatin1Char('{') + joined(true) + QLatin1Char('}');
    }
    return QString();
}

QString inputSpecSyntax()
{
    return QStringLiteral("SHAPE[:DTYPE][:LOW..HIGH] (8x3x224x224, 4x128:int64:0..7999), int:N, float:X, "
                          "bool:true|false, str:TEXT, none, a list [SPEC,...], a tuple (SPEC,...), a dict "
                          "{name:SPEC,...}, or a file saved with torch.save");
}

} // namespace memoscope
