#include "PerfettoTrace.h"

#include "core/Timeline.h"

#include <QFileInfo>
#include <algorithm>
#include <memory>

namespace memoscope {

namespace {
    constexpr int processId = 1;
    constexpr int phaseTrack = 1;
    constexpr int opTrack = 2;

    // Written by hand rather than through QJsonDocument: a run can have millions of slices, and integers of
    // bytes must come out exactly as integers.
    class TraceWriter {
    public:
        TraceWriter() { m_out.reserve(1 << 20); }

        static QByteArray string(const QString& text)
        {
            QByteArray quoted = "\"";
            for (const char c : text.toUtf8()) {
                const auto byte = static_cast<unsigned char>(c);
                if (c == '"' || c == '\\') {
                    quoted += '\\';
                    quoted += c;
                } else if (byte < 0x20) {
                    quoted += "\\u00";
                    quoted += QByteArray::number(byte, 16).rightJustified(2, '0');
                } else {
                    quoted += c;
                }
            }
            return quoted + '"';
        }
        static QByteArray microseconds(qint64 ns) { return QByteArray::number(double(ns) / 1000.0, 'f', 3); }

        void event(const QByteArray& fields)
        {
            m_out += m_first ? "\n{" : ",\n{";
            m_first = false;
            m_out += fields;
            m_out += '}';
        }
        QByteArray& out() { return m_out; }

    private:
        QByteArray m_out;
        bool m_first = true;
    };

    void metadata(TraceWriter* writer, const char* what, int tid, const QString& name)
    {
        QByteArray fields
            = QByteArray("\"name\":\"") + what + "\",\"ph\":\"M\",\"pid\":" + QByteArray::number(processId);
        if (tid > 0)
            fields += ",\"tid\":" + QByteArray::number(tid);
        writer->event(fields + ",\"args\":{\"name\":" + TraceWriter::string(name) + '}');
    }

    void sortIndex(TraceWriter* writer, int tid, int index)
    {
        writer->event("\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":" + QByteArray::number(processId)
            + ",\"tid\":" + QByteArray::number(tid) + ",\"args\":{\"sort_index\":" + QByteArray::number(index) + '}');
    }

    // Of samples sharing a timestamp, the one with the highest total: the sample at the peak's time is then the
    // peak itself (the state just after it shows at the next sample). Every track uses the same moments.
    QVector<int> distinctMoments(const TimelineSample& sample)
    {
        QVector<int> kept;
        for (int i = 0; i < sample.timeNs.size(); ++i) {
            if (!kept.isEmpty() && sample.timeNs[kept.back()] == sample.timeNs[i]) {
                if (sample.totalBytes[i] > sample.totalBytes[kept.back()])
                    kept.back() = i;
            } else {
                kept << i;
            }
        }
        return kept;
    }

    void counter(TraceWriter* writer, const QString& name, const QVector<int>& moments, const QVector<double>& timeNs,
        const QVector<double>& bytes)
    {
        const QByteArray prefix = "\"name\":" + TraceWriter::string(name)
            + ",\"ph\":\"C\",\"pid\":" + QByteArray::number(processId) + ",\"ts\":";
        for (int i : moments)
            writer->event(prefix + TraceWriter::microseconds(qint64(timeNs[i]))
                + ",\"args\":{\"bytes\":" + QByteArray::number(qint64(bytes[i])) + '}');
    }

    bool anyBytes(const QVector<double>& bytes)
    {
        return std::any_of(bytes.begin(), bytes.end(), [](double b) { return b != 0; });
    }
}

QString totalCounterName() { return QStringLiteral("live bytes: total"); }

QByteArray perfettoTraceJson(const StoredRun& run, int samplesPerTrack)
{
    const RunTrace& trace = run.trace;
    // The Timeline only reads the trace while this function runs: share it without copying its events.
    const Timeline timeline(std::shared_ptr<const RunTrace>(std::shared_ptr<const RunTrace>(), &trace));
    const qint64 endNs = std::max<qint64>(timeline.endNs(), 1);
    const int buckets = std::max(1, samplesPerTrack - 2); // plus the two edges of the range

    TraceWriter writer;
    metadata(&writer, "process_name", 0,
        QStringLiteral("Memoscope run %1: %2").arg(run.summary.id).arg(QFileInfo(run.summary.modelPath).fileName()));
    metadata(&writer, "thread_name", phaseTrack, QStringLiteral("phases"));
    metadata(&writer, "thread_name", opTrack, QStringLiteral("ops"));
    sortIndex(&writer, phaseTrack, 0);
    sortIndex(&writer, opTrack, 1);

    // Both stackings sample the same moments (those of the highest totals), so the total comes from either.
    const TimelineSample byCategory = timeline.sample(StackBy::Category, 0, endNs, buckets);
    const TimelineSample byLayer = timeline.sample(StackBy::Layer, 0, endNs, buckets);
    const QVector<int> moments = distinctMoments(byCategory);
    counter(&writer, totalCounterName(), moments, byCategory.timeNs, byCategory.totalBytes);
    for (int s = 0; s < byCategory.seriesBytes.size(); ++s)
        if (anyBytes(byCategory.seriesBytes[s]))
            counter(&writer, QStringLiteral("live bytes: category %1").arg(categoryName(Category(s))), moments,
                byCategory.timeNs, byCategory.seriesBytes[s]);
    for (int s = 0; s < byLayer.seriesBytes.size(); ++s)
        if (anyBytes(byLayer.seriesBytes[s]))
            counter(&writer, QStringLiteral("live bytes: layer %1").arg(byLayer.seriesNames[s]), moments,
                byLayer.timeNs, byLayer.seriesBytes[s]);

    const QByteArray pid = QByteArray::number(processId);
    for (const PhaseSpan& span : trace.phases) {
        const qint64 end = span.endNs >= span.startNs ? span.endNs : endNs; // a phase a failed run never closed
        writer.event("\"name\":" + TraceWriter::string(phaseName(span.phase))
            + ",\"cat\":\"phase\",\"ph\":\"X\",\"pid\":" + pid + ",\"tid\":" + QByteArray::number(phaseTrack)
            + ",\"ts\":" + TraceWriter::microseconds(span.startNs)
            + ",\"dur\":" + TraceWriter::microseconds(end - span.startNs)
            + ",\"args\":{\"iteration\":" + QByteArray::number(span.iteration) + '}');
    }
    for (const OpSpan& span : trace.opSpans) {
        const QString op
            = span.opId >= 0 && span.opId < trace.ops.size() ? trace.ops[span.opId] : QStringLiteral("(op)");
        const QString layer = span.layerId >= 0 && span.layerId < trace.layers.size()
            ? trace.layers[span.layerId].displayPath()
            : QString();
        writer.event("\"name\":" + TraceWriter::string(op) + ",\"cat\":\"op\",\"ph\":\"X\",\"pid\":" + pid + ",\"tid\":"
            + QByteArray::number(opTrack) + ",\"ts\":" + TraceWriter::microseconds(span.startNs) + ",\"dur\":"
            + TraceWriter::microseconds(std::max<qint64>(0, span.endNs - span.startNs)) + ",\"args\":{\"layer\":"
            + TraceWriter::string(layer) + ",\"phase\":" + TraceWriter::string(phaseName(span.phase)) + '}');
    }

    QByteArray document = "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"run_id\":" + QByteArray::number(run.summary.id)
        + ",\"model\":" + TraceWriter::string(run.summary.modelPath)
        + ",\"peak_bytes\":" + QByteArray::number(run.metrics.peakBytes)
        + ",\"peak_time_ns\":" + QByteArray::number(run.metrics.peakTimeNs) + "},\"traceEvents\":[";
    document += writer.out();
    document += "\n]}\n";
    return document;
}

} // namespace memoscope
