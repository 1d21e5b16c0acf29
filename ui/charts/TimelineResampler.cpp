#include "TimelineResampler.h"

#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

namespace memoscope {

namespace {
    QVector<QCPGraphData> toGraphData(const QVector<double>& timeNs, const QVector<double>& bytes)
    {
        QVector<QCPGraphData> data(timeNs.size());
        for (int i = 0; i < timeNs.size(); ++i)
            data[i] = QCPGraphData(timeNs[i] / 1e6, bytes[i]);
        return data;
    }

    double maxValue(const QVector<double>& values)
    {
        return values.isEmpty() ? 0 : *std::max_element(values.begin(), values.end());
    }
}

LevelOfDetail computeLevelOfDetail(const LevelOfDetailRequest& request)
{
    LevelOfDetail result;
    result.request = request;
    if (!request.timeline)
        return result;
    const Timeline& timeline = *request.timeline;
    const TimelineSample sample = timeline.sample(request.by, request.fromNs, request.toNs, request.buckets);
    result.seriesNames = sample.seriesNames;
    result.total = toGraphData(sample.timeNs, sample.totalBytes);
    result.maxBytes = maxValue(sample.totalBytes);

    if (request.stacked) {
        QVector<double> cumulative(sample.timeNs.size(), 0.0);
        for (const QVector<double>& bytes : sample.seriesBytes) {
            bool hasBytes = false;
            for (int i = 0; i < bytes.size(); ++i) {
                cumulative[i] += bytes[i];
                hasBytes = hasBytes || bytes[i] != 0;
            }
            result.stackedSeries << toGraphData(sample.timeNs, cumulative);
            result.seriesHasBytes << hasBytes;
        }
    }

    if (request.layerId >= 0) {
        const TimelineSample own = timeline.sampleLayer(request.layerId, request.fromNs, request.toNs, request.buckets);
        result.layer = toGraphData(own.timeNs, own.totalBytes);
        result.maxBytes = std::max(result.maxBytes, maxValue(own.totalBytes));
    }

    if (request.findPeak) {
        // One bucket over the whole run holds the moment of the highest total (see Timeline::sample); the
        // first and last points are the run's edges.
        const TimelineSample whole = timeline.sample(StackBy::Category, 0, std::max<qint64>(timeline.endNs(), 1), 1);
        for (int i = 0; i < whole.timeNs.size(); ++i) {
            if (qint64(whole.totalBytes[i]) > result.peakBytes) {
                result.peakBytes = qint64(whole.totalBytes[i]);
                result.peakTimeNs = qint64(whole.timeNs[i]);
            }
        }
    }
    return result;
}

TimelineResampler::TimelineResampler(QObject* parent)
    : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcher<LevelOfDetail>::finished, this, &TimelineResampler::onFinished);
}

void TimelineResampler::request(LevelOfDetailRequest request)
{
    ++m_generation;
    m_pending = std::move(request);
    if (!m_running)
        startPending();
}

void TimelineResampler::cancel()
{
    ++m_generation;
    m_pending.reset();
}

bool TimelineResampler::isBusy() const { return m_pending.has_value() || m_running; }

void TimelineResampler::startPending()
{
    if (!m_pending)
        return;
    LevelOfDetailRequest request = std::move(*m_pending);
    m_pending.reset();
    m_running = true;
    const quint64 generation = m_generation;
    m_watcher.setFuture(QtConcurrent::run([request = std::move(request), generation] {
        LevelOfDetail result = computeLevelOfDetail(request);
        result.generation = generation;
        return result;
    }));
}

void TimelineResampler::onFinished()
{
    m_running = false;
    const LevelOfDetail result = m_watcher.result();
    // Start the next job before drawing, so the worker computes while the GUI thread replots.
    startPending();
    if (result.generation == m_generation)
        Q_EMIT ready(result);
}

} // namespace memoscope
