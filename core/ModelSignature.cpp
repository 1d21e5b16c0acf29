#include "ModelSignature.h"

#include <QJsonArray>

namespace memoscope {

namespace {
    using Kind = ArgumentType::Kind;

    // Splits "A, B[C, D], E" at its top-level commas.
    QStringList splitTopLevel(const QString& text)
    {
        QStringList parts;
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.size(); ++i) {
            if (text[i] == QLatin1Char('[') || text[i] == QLatin1Char('('))
                ++depth;
            else if (text[i] == QLatin1Char(']') || text[i] == QLatin1Char(')'))
                --depth;
            else if (text[i] == QLatin1Char(',') && depth == 0) {
                parts << text.mid(start, i - start).trimmed();
                start = i + 1;
            }
        }
        const QString last = text.mid(start).trimmed();
        if (!last.isEmpty())
            parts << last;
        return parts;
    }

    QString ordinal(int index) // 0 -> "1st"
    {
        const int n = index + 1;
        const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
            : n % 10 == 1                                     ? "st"
            : n % 10 == 2                                     ? "nd"
            : n % 10 == 3                                     ? "rd"
                                                              : "th";
        return QString::number(n) + QLatin1String(suffix);
    }

    bool fitsAll(const InputSpec& spec, const ArgumentType& type, QString* why)
    {
        const ArgumentType& elementType = type.elements.last();
        for (int i = 0; i < spec.elements.size(); ++i) {
            QString inner;
            if (!specFits(spec.elements[i], elementType, &inner)) {
                const QString where = spec.kind == InputSpec::Kind::Dict
                    ? QStringLiteral("entry '%1'").arg(spec.keys.value(i))
                    : QStringLiteral("element %1").arg(i + 1);
                *why = QStringLiteral("is %1; its %2 %3").arg(type.toString(), where, inner);
                return false;
            }
        }
        return true;
    }
}

ArgumentType ArgumentType::parse(const QString& annotationText)
{
    const QString annotation = annotationText.trimmed();
    static const QList<QPair<QString, Kind>> plain
        = { { QStringLiteral("Tensor"), Kind::Tensor }, { QStringLiteral("int"), Kind::Int },
              { QStringLiteral("float"), Kind::Float }, { QStringLiteral("bool"), Kind::Bool },
              { QStringLiteral("str"), Kind::Str }, { QStringLiteral("NoneType"), Kind::None },
              { QStringLiteral("None"), Kind::None }, { QStringLiteral("number"), Kind::Number },
              { QStringLiteral("Scalar"), Kind::Number }, { QStringLiteral("Any"), Kind::Any } };
    for (const auto& [word, kind] : plain)
        if (annotation == word)
            return ArgumentType { kind, {}, {} };
    const int open = annotation.indexOf(QLatin1Char('['));
    if (open > 0 && annotation.endsWith(QLatin1Char(']'))) {
        const QString head = annotation.left(open);
        ArgumentType type { Kind::Other, {}, annotation };
        for (const QString& part : splitTopLevel(annotation.mid(open + 1, annotation.size() - open - 2)))
            type.elements << parse(part);
        if (head == QLatin1String("List") && type.elements.size() == 1)
            type.kind = Kind::List;
        else if (head == QLatin1String("Optional") && type.elements.size() == 1)
            type.kind = Kind::Optional;
        else if (head == QLatin1String("Tuple"))
            type.kind = Kind::Tuple;
        else if (head == QLatin1String("Dict") && type.elements.size() == 2)
            type.kind = Kind::Dict;
        if (type.kind != Kind::Other)
            type.name.clear();
        return type;
    }
    return ArgumentType { Kind::Other, {}, annotation };
}

QString ArgumentType::toString() const
{
    QStringList inner;
    for (const ArgumentType& element : elements)
        inner << element.toString();
    switch (kind) {
    case Kind::Tensor:
        return QStringLiteral("Tensor");
    case Kind::Int:
        return QStringLiteral("int");
    case Kind::Float:
        return QStringLiteral("float");
    case Kind::Bool:
        return QStringLiteral("bool");
    case Kind::Str:
        return QStringLiteral("str");
    case Kind::None:
        return QStringLiteral("None");
    case Kind::Number:
        return QStringLiteral("number");
    case Kind::Any:
        return QStringLiteral("Any");
    case Kind::List:
        return QStringLiteral("List[%1]").arg(inner.join(QStringLiteral(", ")));
    case Kind::Optional:
        return QStringLiteral("Optional[%1]").arg(inner.join(QStringLiteral(", ")));
    case Kind::Tuple:
        return QStringLiteral("Tuple[%1]").arg(inner.join(QStringLiteral(", ")));
    case Kind::Dict:
        return QStringLiteral("Dict[%1]").arg(inner.join(QStringLiteral(", ")));
    case Kind::Other:
        return name;
    }
    return name;
}

bool ArgumentType::isTensorLike() const
{
    if (kind == Kind::Tensor)
        return true;
    if (kind == Kind::Dict)
        return elements.size() == 2 && elements[1].isTensorLike();
    if (kind != Kind::List && kind != Kind::Optional && kind != Kind::Tuple)
        return false;
    for (const ArgumentType& element : elements)
        if (!element.isTensorLike())
            return false;
    return !elements.isEmpty();
}

bool specFits(const InputSpec& spec, const ArgumentType& type, QString* why)
{
    using SpecKind = InputSpec::Kind;
    auto refuse = [&](const QString& expected) {
        *why = QStringLiteral("is %1; got %2").arg(expected, spec.kindName());
        return false;
    };
    switch (type.kind) {
    case Kind::Any:
        return true;
    case Kind::Other:
        return refuse(type.name + QStringLiteral(", which no input spec can make"));
    case Kind::Optional:
        return spec.kind == SpecKind::None || specFits(spec, type.elements.first(), why) || refuse(type.toString());
    case Kind::Tensor:
        return spec.kind == SpecKind::Tensor || spec.kind == SpecKind::File || refuse(type.toString());
    case Kind::Int:
        return spec.kind == SpecKind::Int || refuse(type.toString());
    case Kind::Float:
        return spec.kind == SpecKind::Float || spec.kind == SpecKind::Int || refuse(type.toString());
    case Kind::Number:
        return spec.kind == SpecKind::Float || spec.kind == SpecKind::Int || spec.kind == SpecKind::Bool
            || refuse(type.toString());
    case Kind::Bool:
        return spec.kind == SpecKind::Bool || refuse(type.toString());
    case Kind::Str:
        return spec.kind == SpecKind::Str || refuse(type.toString());
    case Kind::None:
        return spec.kind == SpecKind::None || refuse(QStringLiteral("None"));
    case Kind::List:
        if (spec.kind == SpecKind::File && type.elements.first().kind == Kind::Tensor)
            return true;
        return (spec.kind == SpecKind::List || refuse(type.toString())) && fitsAll(spec, type, why);
    case Kind::Dict:
        if (spec.kind != SpecKind::Dict)
            return refuse(type.toString());
        if (type.elements.first().kind != Kind::Str && type.elements.first().kind != Kind::Any)
            return refuse(type.toString() + QStringLiteral(", whose keys are not strings"));
        return fitsAll(spec, type, why);
    case Kind::Tuple:
        if (spec.kind == SpecKind::File)
            return true;
        if (spec.kind != SpecKind::Tuple)
            return refuse(type.toString());
        if (spec.elements.size() != type.elements.size()) {
            *why = QStringLiteral("is %1; got a tuple of %2").arg(type.toString()).arg(spec.elements.size());
            return false;
        }
        for (int i = 0; i < spec.elements.size(); ++i) {
            QString inner;
            if (!specFits(spec.elements[i], type.elements[i], &inner)) {
                *why = QStringLiteral("is %1; its element %2 %3").arg(type.toString()).arg(i + 1).arg(inner);
                return false;
            }
        }
        return true;
    }
    return true;
}

QString defaultSpecFor(const ArgumentType& type)
{
    switch (type.kind) {
    case Kind::Int:
    case Kind::Number:
        return QStringLiteral("int:0");
    case Kind::Float:
        return QStringLiteral("float:0");
    case Kind::Bool:
        return QStringLiteral("bool:false");
    case Kind::Str:
        return QStringLiteral("str:");
    case Kind::None:
    case Kind::Optional:
        return QStringLiteral("none");
    default:
        return QString();
    }
}

QString ModelSignature::toString() const
{
    QStringList parts;
    for (const ModelArgument& argument : arguments)
        parts << argument.name + QStringLiteral(": ") + argument.type.toString()
                + (argument.hasDefault ? QStringLiteral(" = ") + argument.defaultValue : QString());
    return QStringLiteral("forward(%1) -> %2").arg(parts.join(QStringLiteral(", ")), returns);
}

int ModelSignature::requiredCount() const
{
    int count = 0;
    for (int i = 0; i < arguments.size(); ++i)
        if (!arguments[i].hasDefault)
            count = i + 1;
    return count;
}

bool ModelSignature::tensorsOnly() const
{
    for (const ModelArgument& argument : arguments)
        if (!argument.type.isTensorLike() && !argument.hasDefault)
            return false;
    return true;
}

bool ModelSignature::check(const QVector<InputSpec>& specs, QString* error) const
{
    if (specs.size() > arguments.size()) {
        *error = QStringLiteral("%1 takes %2 argument%3; got %4 --input")
                     .arg(toString())
                     .arg(arguments.size())
                     .arg(arguments.size() == 1 ? QString() : QStringLiteral("s"))
                     .arg(specs.size());
        return false;
    }
    for (int i = 0; i < specs.size(); ++i) {
        QString why;
        if (!specFits(specs[i], arguments[i].type, &why)) {
            *error = QStringLiteral("argument '%1' %2").arg(arguments[i].name, why);
            return false;
        }
    }
    if (specs.size() < requiredCount()) {
        const ModelArgument& missing = arguments[specs.size()];
        const QString example = defaultSpecFor(missing.type);
        *error = QStringLiteral("argument '%1' (%2) has no default: give a %3 --input%4")
                     .arg(missing.name, missing.type.toString(), ordinal(int(specs.size())),
                         example.isEmpty() ? QString() : QStringLiteral(" such as %1").arg(example));
        return false;
    }
    return true;
}

QJsonObject ModelSignature::toJson() const
{
    QJsonArray list;
    for (const ModelArgument& argument : arguments) {
        QJsonObject entry { { QStringLiteral("name"), argument.name },
            { QStringLiteral("type"), argument.type.toString() } };
        if (argument.hasDefault)
            entry[QStringLiteral("default")] = argument.defaultValue;
        list.append(entry);
    }
    return QJsonObject { { QStringLiteral("arguments"), list }, { QStringLiteral("returns"), returns } };
}

ModelSignature ModelSignature::fromJson(const QJsonObject& json)
{
    ModelSignature signature;
    for (const QJsonValue& value : json.value(QStringLiteral("arguments")).toArray()) {
        const QJsonObject entry = value.toObject();
        ModelArgument argument;
        argument.name = entry.value(QStringLiteral("name")).toString();
        argument.type = ArgumentType::parse(entry.value(QStringLiteral("type")).toString());
        argument.hasDefault = entry.contains(QStringLiteral("default"));
        argument.defaultValue = entry.value(QStringLiteral("default")).toString();
        signature.arguments << argument;
    }
    signature.returns = json.value(QStringLiteral("returns")).toString();
    return signature;
}

} // namespace memoscope
