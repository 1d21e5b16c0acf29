#include "DataParallel.h"

#include <algorithm>

namespace memoscope {

QVector<OptimizerShard> zeroShards(const QVector<qint64>& parameterBytes, int ranks)
{
    QVector<qint64> sorted = parameterBytes;
    std::stable_sort(sorted.begin(), sorted.end(), std::greater<qint64>());
    QVector<qint64> held(std::max(ranks, 1), 0);
    QVector<qint64> largest(held.size(), 0);
    for (qint64 bytes : sorted) {
        const int rank = int(std::min_element(held.begin(), held.end()) - held.begin()); // the first of equals
        held[rank] += bytes;
        largest[rank] = std::max(largest[rank], bytes);
    }
    qint64 total = 0;
    for (qint64 bytes : held)
        total += bytes;
    const qint64 biggest = sorted.isEmpty() ? 0 : sorted.first();
    QVector<OptimizerShard> shards;
    for (int rank = 0; rank < held.size(); ++rank)
        shards << OptimizerShard { rank, total > 0 ? double(held[rank]) / double(total) : 1.0 / held.size(),
            biggest > 0 ? double(largest[rank]) / double(biggest) : 1.0 };
    return shards;
}

namespace {
    bool inBuckets(const RunTrace& trace, const Event& event)
    {
        return event.layerId >= 0 && event.layerId < trace.layers.size() && trace.layers[event.layerId].isDdpBuckets();
    }
}

QVector<qint64> parameterSizes(const RunTrace& trace)
{
    QVector<qint64> atSetup, inFirstBackward, parameters;
    const PhaseSpan* firstBackward = nullptr;
    for (const PhaseSpan& span : trace.phases)
        if (span.phase == Phase::Backward && (!firstBackward || span.startNs < firstBackward->startNs))
            firstBackward = &span;
    for (const Event& event : trace.events) {
        if (event.bytes <= 0 || inBuckets(trace, event))
            continue;
        if (event.category == Category::Parameter && event.phase == Phase::Setup && event.layerId >= 0)
            parameters << event.bytes;
        if (event.category != Category::Gradient)
            continue;
        if (event.phase == Phase::Setup)
            atSetup << event.bytes;
        else if (firstBackward && event.timeNs >= firstBackward->startNs && event.timeNs <= firstBackward->endNs)
            inFirstBackward << event.bytes;
    }
    return !atSetup.isEmpty() ? atSetup : !inFirstBackward.isEmpty() ? inFirstBackward : parameters;
}

qint64 ddpBucketBytes(const RunTrace& trace)
{
    qint64 live = 0, most = 0;
    for (const Event& event : trace.events)
        if (inBuckets(trace, event)) {
            live += event.bytes;
            most = std::max(most, live);
        }
    return most;
}

} // namespace memoscope
