// readTrace: a memoscope_record trace (JSON Lines, README "The trace format") into runs, one per device.
// Event lines are JSON arrays read by a small scanner (a trace holds millions of them); the other records are
// objects read with QJsonDocument.

#include "TraceImport.h"
#include "TraceLine.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <unordered_map>

namespace memoscope {

namespace {
    constexpr int supportedVersion = 1;
    const char* const formatName = "memoscope-trace";

    // Where one allocation went, so that its free carries its owner's attributes, as the engine's events do.
    struct Owner {
        qint32 device = 0;
        qint32 allocationId = -1; // within its device's run
        qint64 bytes = 0;
        qint32 opId = -1;
        qint32 layerId = -1;
        Phase phase = Phase::Setup;
        Category category = Category::Temporary;
        bool live = true;
    };

    class TraceParser {
    public:
        explicit TraceParser(QString path)
            : m_path(std::move(path))
        {
        }
        TraceReading read();

    private:
        bool fail(const QString& message);
        bool readHeader(const QByteArray& line);
        bool readObject(const QByteArray& line);
        bool readArray(const QByteArray& line);
        bool readLayer(const QJsonObject& record);
        bool readAllocation(const TraceLine& line);
        bool readFree(const TraceLine& line);
        bool readOpSpan(const TraceLine& line);
        qint32 deviceIndex(const QString& device);
        TraceReading finish(bool ended);
        RecordedRun runOf(int device, bool ended) const;

        QString m_path;
        qint64 m_lineNumber = 0;
        QString m_error;
        QJsonObject m_header;
        QJsonObject m_config; // config records, later ones winning
        QJsonObject m_end;
        QVector<Layer> m_layers;
        QStringList m_ops;
        QVector<PhaseSpan> m_phases;
        std::vector<OpSpan> m_opSpans;
        QStringList m_devices;
        std::vector<std::vector<Event>> m_events; // per device
        std::vector<qint32> m_allocations; // per device: how many
        std::unordered_map<qint64, Owner> m_owners; // by the trace's allocation id
        qint64 m_eventCount = 0;
    };

    bool TraceParser::fail(const QString& message)
    {
        m_error = QStringLiteral("%1, line %2: %3").arg(m_path).arg(m_lineNumber).arg(message);
        return false;
    }

    bool TraceParser::readHeader(const QByteArray& line)
    {
        const QJsonObject header = QJsonDocument::fromJson(line).object();
        if (header.value(QStringLiteral("format")).toString() != QLatin1String(formatName)) {
            m_error = QStringLiteral("%1 is not a Memoscope trace (it does not begin with a memoscope-trace header); "
                                     "record one with python3 -m memoscope_record")
                          .arg(m_path);
            return false;
        }
        const int version = header.value(QStringLiteral("version")).toInt(0);
        if (version < 1 || version > supportedVersion)
            return fail(QStringLiteral("trace format version %1; this Memoscope reads version %2 and older: update "
                                       "Memoscope or record with its own memoscope_record")
                            .arg(header.value(QStringLiteral("version")).toVariant().toString())
                            .arg(supportedVersion));
        m_header = header;
        return true;
    }

    bool TraceParser::readLayer(const QJsonObject& record)
    {
        Layer layer;
        layer.id = record.value(QStringLiteral("id")).toInt(-1);
        if (layer.id != m_layers.size())
            return fail(QStringLiteral("layer %1 where layer %2 was expected (layers are numbered in order)")
                            .arg(layer.id)
                            .arg(m_layers.size()));
        layer.path = record.value(QStringLiteral("path")).toString(QStringLiteral(""));
        layer.type = record.value(QStringLiteral("kind")).toString();
        layer.parentId = record.value(QStringLiteral("parent")).toInt(-1);
        if (layer.parentId >= layer.id)
            return fail(
                QStringLiteral("layer %1 names parent %2, which comes after it").arg(layer.id).arg(layer.parentId));
        layer.depth = layer.parentId >= 0 ? m_layers[layer.parentId].depth + 1 : 0;
        layer.pseudo = record.value(QStringLiteral("pseudo")).toBool(false);
        layer.paramCount = qint64(record.value(QStringLiteral("param_count")).toDouble(0));
        layer.paramBytes = qint64(record.value(QStringLiteral("param_bytes")).toDouble(0));
        m_layers << layer;
        return true;
    }

    bool TraceParser::readObject(const QByteArray& line)
    {
        QJsonParseError parseError;
        const QJsonObject record = QJsonDocument::fromJson(line, &parseError).object();
        if (parseError.error != QJsonParseError::NoError)
            return fail(QStringLiteral("not a JSON record (%1)").arg(parseError.errorString()));
        const QString type = record.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("layer"))
            return readLayer(record);
        if (type == QLatin1String("op")) {
            if (record.value(QStringLiteral("id")).toInt(-1) != m_ops.size())
                return fail(QStringLiteral("op %1 where op %2 was expected (ops are numbered in order)")
                                .arg(record.value(QStringLiteral("id")).toInt(-1))
                                .arg(m_ops.size()));
            m_ops << record.value(QStringLiteral("name")).toString();
        } else if (type == QLatin1String("phase")) {
            const std::optional<Phase> phase = phaseFromName(record.value(QStringLiteral("phase")).toString());
            if (!phase)
                return fail(QStringLiteral("unknown phase '%1'").arg(record.value(QStringLiteral("phase")).toString()));
            m_phases << PhaseSpan { *phase, record.value(QStringLiteral("iteration")).toInt(0),
                qint64(record.value(QStringLiteral("start_ns")).toDouble()),
                qint64(record.value(QStringLiteral("end_ns")).toDouble()) };
        } else if (type == QLatin1String("config")) {
            for (auto it = record.begin(); it != record.end(); ++it)
                if (it.key() != QLatin1String("type"))
                    m_config[it.key()] = it.value();
        } else if (type == QLatin1String("end")) {
            m_end = record;
        }
        // Records of types this version does not know are skipped: a newer recorder may add some.
        return true;
    }

    qint32 TraceParser::deviceIndex(const QString& device)
    {
        const qint32 index = qint32(m_devices.indexOf(device));
        if (index >= 0)
            return index;
        m_devices << device;
        m_events.emplace_back();
        m_allocations.push_back(0);
        return qint32(m_devices.size() - 1);
    }

    bool TraceParser::readAllocation(const TraceLine& line)
    {
        qint64 time = 0, bytes = 0, id = 0, op = 0, layer = 0;
        QString phaseText, categoryText, device;
        if (line.size() != 9 || !line.integer(1, &time) || !line.integer(2, &bytes) || !line.integer(3, &id)
            || !line.integer(4, &op) || !line.integer(5, &layer) || !line.text(6, &phaseText)
            || !line.text(7, &categoryText) || !line.text(8, &device))
            return fail(QStringLiteral("an allocation needs [\"a\", time, bytes, id, op, layer, phase, category, "
                                       "device]"));
        const std::optional<Phase> phase = phaseFromName(phaseText);
        const std::optional<Category> category = categoryFromName(categoryText);
        if (!phase || !category)
            return fail(QStringLiteral("unknown phase '%1' or category '%2'").arg(phaseText, categoryText));
        if (bytes <= 0)
            return fail(QStringLiteral("allocation %1 of %2 bytes").arg(id).arg(bytes));
        if (op < -1 || op >= m_ops.size() || layer < -1 || layer >= m_layers.size())
            return fail(QStringLiteral("allocation %1 names op %2 or layer %3 before the trace defines it")
                            .arg(id)
                            .arg(op)
                            .arg(layer));
        if (m_owners.count(id))
            return fail(QStringLiteral("allocation %1 appears twice").arg(id));
        Owner owner { deviceIndex(device), 0, bytes, qint32(op), qint32(layer), *phase, *category, true };
        owner.allocationId = m_allocations[size_t(owner.device)]++;
        std::vector<Event>& events = m_events[size_t(owner.device)];
        if (!events.empty() && time < events.back().timeNs)
            return fail(
                QStringLiteral("allocation %1 at %2 ns comes after an event at %3 ns (events must be in time order)")
                    .arg(id)
                    .arg(time)
                    .arg(events.back().timeNs));
        events.push_back(
            Event { time, bytes, owner.allocationId, owner.opId, owner.layerId, owner.phase, owner.category });
        m_owners.emplace(id, owner);
        ++m_eventCount;
        return true;
    }

    bool TraceParser::readFree(const TraceLine& line)
    {
        qint64 time = 0, id = 0;
        if (line.size() != 3 || !line.integer(1, &time) || !line.integer(2, &id))
            return fail(QStringLiteral("a free needs [\"f\", time, id]"));
        const auto found = m_owners.find(id);
        if (found == m_owners.end() || !found->second.live)
            return fail(QStringLiteral("a free of allocation %1, which is not allocated").arg(id));
        Owner& owner = found->second;
        owner.live = false;
        std::vector<Event>& events = m_events[size_t(owner.device)];
        if (time < events.back().timeNs)
            return fail(QStringLiteral("the free of allocation %1 comes before an earlier event (events must be in "
                                       "time order)")
                            .arg(id));
        events.push_back(
            Event { time, -owner.bytes, owner.allocationId, owner.opId, owner.layerId, owner.phase, owner.category });
        ++m_eventCount;
        return true;
    }

    bool TraceParser::readOpSpan(const TraceLine& line)
    {
        qint64 op = 0, layer = 0, start = 0, end = 0;
        QString phaseText;
        if (line.size() != 6 || !line.integer(1, &op) || !line.integer(2, &layer) || !line.text(3, &phaseText)
            || !line.integer(4, &start) || !line.integer(5, &end))
            return fail(QStringLiteral("an op span needs [\"o\", op, layer, phase, start, end]"));
        const std::optional<Phase> phase = phaseFromName(phaseText);
        if (!phase || op < 0 || op >= m_ops.size() || layer < -1 || layer >= m_layers.size())
            return fail(QStringLiteral("an op span names an unknown op, layer or phase"));
        m_opSpans.push_back(OpSpan { qint32(op), qint32(layer), *phase, start, end });
        return true;
    }

    bool TraceParser::readArray(const QByteArray& line)
    {
        TraceLine fields;
        if (!fields.parse(line))
            return fail(QStringLiteral("not a JSON array of numbers and names"));
        QString kind;
        fields.text(0, &kind);
        if (kind == QLatin1String("a"))
            return readAllocation(fields);
        if (kind == QLatin1String("f"))
            return readFree(fields);
        if (kind == QLatin1String("o"))
            return readOpSpan(fields);
        return fail(QStringLiteral("unknown event kind '%1'").arg(kind));
    }

    TraceReading TraceParser::read()
    {
        QFile file(m_path);
        if (!file.open(QIODevice::ReadOnly))
            return TraceReading { {}, QStringLiteral("cannot read %1: %2").arg(m_path, file.errorString()) };
        bool ended = false;
        while (!file.atEnd()) {
            QByteArray line = file.readLine();
            ++m_lineNumber;
            const bool complete = line.endsWith('\n');
            // A line cut short is where a killed recording stopped writing: what came before still stands.
            if (!complete && file.atEnd() && m_lineNumber > 1 && m_end.isEmpty())
                break;
            line = line.trimmed();
            bool ok = true;
            if (m_lineNumber == 1)
                ok = readHeader(line);
            else if (line.isEmpty())
                continue;
            else if (ended)
                ok = fail(QStringLiteral("more records after the end record"));
            else if (line.startsWith('['))
                ok = readArray(line);
            else if (line.startsWith('{'))
                ok = readObject(line) && (ended = !m_end.isEmpty(), true);
            else
                ok = fail(QStringLiteral("neither a JSON object nor a JSON array"));
            if (!ok)
                return TraceReading { {}, m_error };
        }
        if (m_lineNumber == 0)
            return TraceReading { {}, QStringLiteral("%1 is empty, not a Memoscope trace").arg(m_path) };
        return finish(ended);
    }

    TraceReading TraceParser::finish(bool ended)
    {
        const QString failure = m_end.value(QStringLiteral("error")).toString();
        if (m_eventCount == 0 && ended && !failure.isEmpty())
            return TraceReading { {}, QStringLiteral("%1 holds no events: %2").arg(m_path, failure) };
        if (m_eventCount == 0)
            return TraceReading { {},
                ended ? QStringLiteral("%1 holds no allocations: nothing ran on PyTorch inside the recorded region")
                            .arg(m_path)
                      : QStringLiteral("%1 ends before its first events were written: the recording was cut short "
                                       "(the process was killed, or is still recording); record again")
                            .arg(m_path) };
        const qint64 declared = qint64(m_end.value(QStringLiteral("events")).toDouble(-1));
        if (ended && declared >= 0 && declared != m_eventCount)
            return TraceReading { {},
                QStringLiteral("%1 is damaged: its end record counts %2 events, the file holds %3")
                    .arg(m_path)
                    .arg(declared)
                    .arg(m_eventCount) };
        TraceReading reading;
        for (int device = 0; device < m_devices.size(); ++device)
            reading.runs << runOf(device, ended);
        return reading;
    }

    QStringList textsOf(const QJsonValue& value)
    {
        QStringList texts;
        for (const QJsonValue& item : value.toArray())
            texts << item.toString();
        return texts;
    }

    RecordedRun TraceParser::runOf(int device, bool ended) const
    {
        RecordedRun run;
        run.tracePath = m_path;
        RunConfig& config = run.config;
        config.source = RunConfig::recordedSource();
        config.modelPath = m_path;
        config.name = m_header.value(QStringLiteral("name")).toString();
        config.modelClass = m_config.value(QStringLiteral("model_class")).toString();
        const QStringList optimizers = textsOf(m_config.value(QStringLiteral("optimizers")));
        config.optimizerClass = optimizers.value(0);
        // Adam and its kin (AdamW, also inside a ZeroRedundancyOptimizer) keep two copies of the parameters.
        config.optimizer = optimizers.join(QLatin1Char(' ')).contains(QLatin1String("Adam")) ? OptimizerKind::Adam
                                                                                             : OptimizerKind::Sgd;
        config.learningRate = m_config.value(QStringLiteral("learning_rate")).toDouble(config.learningRate);
        config.inputs = textsOf(m_config.value(QStringLiteral("inputs")));
        config.device = m_devices[device] == QLatin1String("cpu") ? QString() : m_devices[device];
        config.rank = m_header.value(QStringLiteral("rank")).toInt(-1);
        config.worldSize = config.rank >= 0 ? m_header.value(QStringLiteral("world_size")).toInt(0) : 0;
        config.group = m_header.value(QStringLiteral("job")).toString();
        config.warmup = 0;

        RunTrace& trace = run.trace;
        trace.layers = m_layers;
        trace.ops = m_ops;
        trace.phases = m_phases;
        trace.opSpans = m_opSpans;
        trace.events = m_events[size_t(device)];
        config.iterations = trace.iterationCount();
        config.mode = RunMode::Inference;
        for (const PhaseSpan& span : trace.phases)
            if (span.phase == Phase::Backward)
                config.mode = RunMode::Train;
        // Each layer's time is that of the top-level ops it ran, as the engine counts it.
        for (const OpSpan& span : trace.opSpans) {
            if (span.layerId < 0)
                continue;
            Layer& layer = trace.layers[span.layerId];
            if (span.phase == Phase::Forward || span.phase == Phase::Loss)
                layer.forwardNs += span.endNs - span.startNs;
            else if (span.phase == Phase::Backward)
                layer.backwardNs += span.endNs - span.startNs;
        }

        RunMetrics& metrics = run.metrics;
        metrics.threads = m_header.value(QStringLiteral("threads")).toInt(0);
        metrics.libtorchVersion = m_header.value(QStringLiteral("torch")).toString();
        metrics.unmatchedFrees = qint64(m_end.value(QStringLiteral("unmatched_frees")).toDouble(0));
        QVector<qint64> starts(config.iterations, -1), ends(config.iterations, 0);
        for (const PhaseSpan& span : trace.phases) {
            if (span.iteration < 0 || span.iteration >= config.iterations)
                continue;
            qint64& start = starts[span.iteration];
            start = start < 0 ? span.startNs : std::min(start, span.startNs);
            ends[span.iteration] = std::max(ends[span.iteration], span.endNs);
        }
        for (int i = 0; i < config.iterations; ++i)
            if (starts[i] >= 0)
                metrics.iterationMs << double(ends[i] - starts[i]) / 1e6;

        if (!ended) {
            run.status = RunStatus::Failed;
            run.error = QStringLiteral("the recording was cut short (no end record: the process was killed, or is "
                                       "still recording); the run holds the %1 events written before")
                            .arg(trace.events.size());
        } else if (m_end.value(QStringLiteral("status")).toString() != QLatin1String("complete")) {
            run.status = RunStatus::Failed;
            run.error = m_end.value(QStringLiteral("error")).toString(QStringLiteral("the recorded program failed"));
        }
        return run;
    }
}

TraceReading readTrace(const QString& path) { return TraceParser(QFileInfo(path).absoluteFilePath()).read(); }

} // namespace memoscope
