#include "ModelInspection.h"

#include "ByteFormat.h"

#include <QJsonArray>
#include <QTextStream>

namespace memoscope {

namespace {
    QString key(const char* name) { return QString::fromLatin1(name); }

    QStringList strings(const QJsonValue& value)
    {
        QStringList list;
        for (const QJsonValue& entry : value.toArray())
            list << entry.toString();
        return list;
    }

    // Single quotes where a shell would otherwise expand or split the spec.
    QString shellWord(const QString& text)
    {
        static const QString special = QStringLiteral(" []{}()*?'\"$;&|<>\\");
        for (QChar c : text)
            if (special.contains(c))
                return QLatin1Char('\'') + QString(text).replace(QLatin1String("'"), QLatin1String("'\\''"))
                    + QLatin1Char('\'');
        return text;
    }

    QString bytesAndValues(qint64 bytes, qint64 values)
    {
        return QStringLiteral("%1 (%2 values)").arg(formatBytes(bytes)).arg(values);
    }
}

QString ModelInspection::inputArguments() const
{
    QStringList words;
    for (const QString& spec : suggestedInputs)
        words << QStringLiteral("--input ") + shellWord(spec);
    return words.join(QLatin1Char(' '));
}

QJsonObject ModelInspection::toJson() const
{
    QJsonObject json;
    json[key("path")] = path;
    json[key("file_bytes")] = double(fileBytes);
    json[key("format_version")] = formatVersion;
    json[key("maximum_format_version")] = maximumFormatVersion;
    json[key("written_by")] = writtenBy;
    json[key("loads")] = loads;
    if (!loadError.isEmpty())
        json[key("load_error")] = loadError;
    if (loads) {
        json[key("signature")] = signature.toJson();
        json[key("signature_text")] = signature.toString();
    }
    json[key("parameter_bytes")] = double(parameterBytes);
    json[key("parameter_count")] = double(parameterCount);
    json[key("buffer_bytes")] = double(bufferBytes);
    json[key("buffer_count")] = double(bufferCount);
    json[key("constant_bytes")] = double(constantBytes);
    json[key("constant_count")] = double(constantCount);
    json[key("layer_count")] = layerCount;
    QJsonArray libraries;
    for (const OperatorLibraryUse& use : operators)
        libraries.append(QJsonObject { { key("library"), use.library },
            { key("operators"), QJsonArray::fromStringList(use.operators) },
            { key("missing"), QJsonArray::fromStringList(use.missing) }, { key("provided_by"), use.providedBy } });
    json[key("operators")] = libraries;
    json[key("supplied_operators")] = QJsonArray::fromStringList(suppliedOperators);
    json[key("operator_libraries")] = QJsonArray::fromStringList(operatorLibraries);
    json[key("suggested_inputs")] = QJsonArray::fromStringList(suggestedInputs);
    json[key("suggestion_checked")] = suggestionChecked;
    json[key("suggestion_note")] = suggestionNote;
    return json;
}

ModelInspection ModelInspection::fromJson(const QJsonObject& json)
{
    ModelInspection m;
    m.path = json.value(key("path")).toString();
    m.fileBytes = qint64(json.value(key("file_bytes")).toDouble());
    m.formatVersion = json.value(key("format_version")).toInt();
    m.maximumFormatVersion = json.value(key("maximum_format_version")).toInt();
    m.writtenBy = json.value(key("written_by")).toString();
    m.loads = json.value(key("loads")).toBool();
    m.loadError = json.value(key("load_error")).toString();
    m.signature = ModelSignature::fromJson(json.value(key("signature")).toObject());
    m.parameterBytes = qint64(json.value(key("parameter_bytes")).toDouble());
    m.parameterCount = qint64(json.value(key("parameter_count")).toDouble());
    m.bufferBytes = qint64(json.value(key("buffer_bytes")).toDouble());
    m.bufferCount = qint64(json.value(key("buffer_count")).toDouble());
    m.constantBytes = qint64(json.value(key("constant_bytes")).toDouble());
    m.constantCount = qint64(json.value(key("constant_count")).toDouble());
    m.layerCount = json.value(key("layer_count")).toInt();
    for (const QJsonValue& value : json.value(key("operators")).toArray()) {
        const QJsonObject use = value.toObject();
        m.operators << OperatorLibraryUse { use.value(key("library")).toString(), strings(use.value(key("operators"))),
            strings(use.value(key("missing"))), use.value(key("provided_by")).toString() };
    }
    m.suppliedOperators = strings(json.value(key("supplied_operators")));
    m.operatorLibraries = strings(json.value(key("operator_libraries")));
    m.suggestedInputs = strings(json.value(key("suggested_inputs")));
    m.suggestionChecked = json.value(key("suggestion_checked")).toBool();
    m.suggestionNote = json.value(key("suggestion_note")).toString();
    return m;
}

QString ModelInspection::toText() const
{
    QString text;
    QTextStream out(&text);
    out << "Model            " << path << " (" << formatBytes(fileBytes) << ")\n";
    if (formatVersion > 0)
        out << "Format           TorchScript archive, file format version " << formatVersion
            << " (this LibTorch reads up to " << maximumFormatVersion << "); " << writtenBy << "\n";
    if (!loads) {
        out << "Loads            no: " << loadError << "\n";
    } else {
        out << "Signature        " << signature.toString() << "\n";
        out << "Parameters       " << bytesAndValues(parameterBytes, parameterCount) << "\n";
        out << "Buffers          " << bytesAndValues(bufferBytes, bufferCount) << "\n";
        out << "Held as constants " << bytesAndValues(constantBytes, constantCount)
            << (constantCount > 0 ? " (frozen, mobile-optimized or traced weights: counted as parameters)" : "")
            << "\n";
        out << "Layers           " << layerCount << (layerCount == 1 ? " (no module structure)" : "") << "\n";
    }
    for (const OperatorLibraryUse& use : operators) {
        out << QStringLiteral("Operators        %1 (%2, %3): ")
                   .arg(use.library)
                   .arg(use.operators.size())
                   .arg(use.providedBy)
            << use.operators.join(QStringLiteral(", ")) << "\n";
        if (!use.missing.isEmpty())
            out << "  cannot run     " << use.missing.join(QStringLiteral(", ")) << "\n";
    }
    if (!suppliedOperators.isEmpty())
        out << "Supplied ops     " << suppliedOperators.join(QStringLiteral(", "))
            << " (newer than this LibTorch; Memoscope's own implementation)\n";
    if (!suggestedInputs.isEmpty() || (loads && signature.arguments.isEmpty())) {
        out << "Suggested input  " << inputArguments() << "\n";
        out << "                 " << suggestionNote << "\n";
    }
    return text;
}

} // namespace memoscope
