#include "RunTrace.h"

#include <algorithm>

namespace memoscope {

QString Layer::displayPath() const
{
    return path.isEmpty() ? QStringLiteral("<root>") : path;
}

int RunTrace::iterationCount() const
{
    int count = 0;
    for (const PhaseSpan& span : phases)
        count = std::max(count, span.iteration + 1);
    return count;
}

qint32 RunTrace::topLevelLayer(qint32 layerId) const
{
    if (layerId < 0 || layerId >= layers.size())
        return -1;
    qint32 id = layerId;
    while (layers[id].depth > 1 && layers[id].parentId >= 0)
        id = layers[id].parentId;
    return id;
}

} // namespace memoscope
