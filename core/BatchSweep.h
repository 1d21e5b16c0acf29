#pragma once
// The batch-size sweep's arithmetic: peak bytes measured at several batch sizes, fitted as fixed bytes plus
// bytes per sample (least squares), and the largest batch that model predicts within a budget.

#include <QVector>

namespace memoscope {

struct BatchPeak {
    int batch = 0;
    qint64 peakBytes = 0;
};

struct BatchFit {
    double fixedBytes = 0; // parameters, optimizer state and whatever does not grow with the batch
    double bytesPerSample = 0;
    double rSquared = 0; // 1: the peaks lie on the line
    bool valid = false; // needs two distinct batch sizes and memory that grows with the batch

    double predict(int batch) const { return fixedBytes + bytesPerSample * batch; }
    // The largest batch whose predicted peak is within budgetBytes; 0 when not even a batch of 1 fits.
    int largestBatchWithin(qint64 budgetBytes) const;
};

BatchFit fitBatchPeaks(const QVector<BatchPeak>& peaks);

} // namespace memoscope
