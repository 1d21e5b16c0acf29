#include "BatchSweep.h"

#include <cmath>
#include <limits>

namespace memoscope {

BatchFit fitBatchPeaks(const QVector<BatchPeak>& peaks)
{
    BatchFit fit;
    const double n = peaks.size();
    if (n < 2)
        return fit;
    double sumX = 0, sumY = 0;
    for (const BatchPeak& peak : peaks) {
        sumX += peak.batch;
        sumY += double(peak.peakBytes);
    }
    const double meanX = sumX / n;
    const double meanY = sumY / n;
    double sxx = 0, sxy = 0, syy = 0;
    for (const BatchPeak& peak : peaks) {
        const double dx = peak.batch - meanX;
        const double dy = double(peak.peakBytes) - meanY;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if (sxx <= 0)
        return fit;
    fit.bytesPerSample = sxy / sxx;
    fit.fixedBytes = meanY - fit.bytesPerSample * meanX;
    fit.rSquared = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1.0;
    fit.valid = fit.bytesPerSample > 0;
    return fit;
}

int BatchFit::largestBatchWithin(qint64 budgetBytes) const
{
    if (!valid)
        return 0;
    const double batches = std::floor((double(budgetBytes) - fixedBytes) / bytesPerSample);
    if (batches < 1)
        return 0;
    return batches > double(std::numeric_limits<int>::max()) ? std::numeric_limits<int>::max() : int(batches);
}

} // namespace memoscope
