#include "SampleShape.h"

#include "profiler/ProfileError.h"

#include <QStringList>

namespace memoscope {

int64_t elementCount(const std::vector<int64_t>& shape)
{
    int64_t count = 1;
    for (int64_t size : shape)
        count *= size;
    return count;
}

QString shapeText(const std::vector<int64_t>& shape)
{
    QStringList sizes;
    for (int64_t size : shape)
        sizes << QString::number(size);
    return QLatin1Char('[') + sizes.join(QStringLiteral(", ")) + QLatin1Char(']');
}

std::vector<int64_t> fitSampleShape(
    const QString& datasetName, const std::vector<int64_t>& stored, const std::vector<int64_t>& wanted)
{
    if (wanted.empty())
        return stored;
    for (int64_t size : wanted)
        if (size <= 0)
            throw ProfileError(ExitBadInput,
                QStringLiteral("the model's input shape %1 has a size below 1; give the shape of one sample, e.g. "
                               "[3, 224, 224]")
                    .arg(shapeText(wanted)));
    const int64_t have = elementCount(stored);
    const int64_t need = elementCount(wanted);
    if (have != need)
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has samples of %2 values but the model's input takes shape %3 (%4 values); "
                           "use a data set made for this model, or check the --input shape")
                .arg(datasetName)
                .arg(have)
                .arg(shapeText(wanted))
                .arg(need));
    return wanted;
}

} // namespace memoscope
