#include "InputSpec.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <limits>

namespace memoscope {

namespace {
    const QStringList integerTypes = { QStringLiteral("int64"), QStringLiteral("int32"), QStringLiteral("int16"),
        QStringLiteral("int8"), QStringLiteral("uint8"), QStringLiteral("bool") };
    const QStringList floatTypes
        = { QStringLiteral("float32"), QStringLiteral("float64"), QStringLiteral("float16"), QStringLiteral("bfloat16") };

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
            if (!ok || size <= 0) {
                *error = QStringLiteral("shape '%1' has a size of %2: every size must be at least 1").arg(text, part);
                return false;
            }
            if (elements > std::numeric_limits<qint64>::max() / size || elements * size > (qint64(1) << 40)) {
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
        if (!okLow || !okHigh) {
            *error = QStringLiteral("'%1' is not a range: write LOW..HIGH, e.g. 0..7999").arg(text);
            return false;
        }
        if (*low > *high) {
            *error = QStringLiteral("range '%1' is empty: LOW must not exceed HIGH").arg(text);
            return false;
        }
        return true;
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

qint64 InputSpec::byteCount() const { return source == Source::File ? 0 : elementCount() * elementBytes(dtype); }

qint64 InputSpec::elementCount() const
{
    qint64 count = 1;
    for (qint64 size : shape)
        count *= size;
    return count;
}

std::optional<InputSpec> InputSpec::parse(const QString& rawText, QString* error)
{
    const QString text = rawText.trimmed();
    InputSpec spec;
    const QStringList parts = text.split(QLatin1Char(':'));
    QString shapeError;
    if (!parseShape(parts[0], &spec.shape, &shapeError)) {
        if (QFileInfo(text).isFile()) {
            spec.source = Source::File;
            spec.filePath = QFileInfo(text).absoluteFilePath();
            spec.shape.clear();
            return spec;
        }
        if (text.endsWith(QLatin1String(".pt")) || text.endsWith(QLatin1String(".pth")))
            *error = QStringLiteral("input file %1 does not exist").arg(text);
        else
            *error = QStringLiteral("input '%1' is neither a spec SHAPE[:DTYPE][:LOW..HIGH] nor an existing file: %2")
                         .arg(text, shapeError);
        return std::nullopt;
    }
    if (parts.size() > 3) {
        *error = QStringLiteral("input '%1' has too many ':' parts: write SHAPE[:DTYPE][:LOW..HIGH]").arg(text);
        return std::nullopt;
    }
    for (int i = 1; i < parts.size(); ++i) {
        const QString& part = parts[i];
        if (part.contains(QStringLiteral(".."))) {
            if (i != parts.size() - 1) {
                *error = QStringLiteral("in input '%1' the range must come last").arg(text);
                return std::nullopt;
            }
            if (!parseRange(part, &spec.low, &spec.high, error))
                return std::nullopt;
            spec.hasRange = true;
        } else if (i == 1 && dtypeNames().contains(part)) {
            spec.dtype = part;
        } else {
            *error = QStringLiteral("input '%1': unknown type '%2' (known: %3)")
                         .arg(text, part, dtypeNames().join(QStringLiteral(", ")));
            return std::nullopt;
        }
    }
    if (isIntegerType(spec.dtype) && spec.hasRange && (spec.low != qint64(spec.low) || spec.high != qint64(spec.high))) {
        *error = QStringLiteral("input '%1': an integer type needs whole-number bounds").arg(text);
        return std::nullopt;
    }
    if (!isIntegerType(spec.dtype) && spec.hasRange && spec.low == spec.high) {
        *error = QStringLiteral("input '%1': a float range needs LOW < HIGH").arg(text);
        return std::nullopt;
    }
    return spec;
}

QString InputSpec::toString() const
{
    if (source == Source::File)
        return filePath;
    QStringList sizes;
    for (qint64 size : shape)
        sizes << QString::number(size);
    QString text = sizes.join(QLatin1Char('x')) + QLatin1Char(':') + dtype;
    if (hasRange)
        text += QStringLiteral(":%1..%2").arg(low).arg(high);
    return text;
}

} // namespace memoscope
