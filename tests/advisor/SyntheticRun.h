#pragma once
// Runs built by hand for the advisor's and the comparison's unit tests: layers, and allocations and frees
// whose sizes make every predicted figure computable on paper.

#include "core/Store.h"

#include <QHash>

namespace memoscope::test {

class SyntheticRun {
public:
    SyntheticRun(
        RunMode mode, OptimizerKind optimizer = OptimizerKind::Sgd, const QString& input = QStringLiteral("8x64"));

    // Adds a layer (ids in order of addition, the root first) and its parameters as setup allocations.
    qint32 layer(const QString& path, const QString& type, qint32 parent, qint64 paramBytes = 0);
    qint32 alloc(qint64 bytes, qint32 layer, Phase phase, Category category);
    void free(qint32 allocation);

    StoredRun run; // summary.config, trace; layerStats filled by finish()
    StoredRun finish(); // the run with its analysis applied, as the profiler stores it

private:
    QHash<qint32, Event> m_live;
    qint32 m_nextAllocation = 0;
    qint64 m_time = 0;
};

} // namespace memoscope::test
