#pragma once
// Fitting a data set's stored samples to the model's per-sample input shape, and writing shapes in messages.

#include <QString>
#include <cstdint>
#include <vector>

namespace memoscope {

int64_t elementCount(const std::vector<int64_t>& shape);
QString shapeText(const std::vector<int64_t>& shape); // "[1, 8, 8]"

// The shape samples are handed out in: `wanted` when given and holding as many values as `stored`, else
// `stored`. Throws ProfileError(ExitBadInput) naming the data set when the counts differ.
std::vector<int64_t> fitSampleShape(
    const QString& datasetName, const std::vector<int64_t>& stored, const std::vector<int64_t>& wanted);

} // namespace memoscope
