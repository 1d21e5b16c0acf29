#include "LayerDiff.h"

#include "core/export/Iterations.h"
#include "core/Analysis.h"

#include <QHash>
#include <algorithm>
#include <cstdlib>

namespace memoscope {

bool LayerDifference::changed() const
{
    return a.present != b.present || peakContributionDelta() != 0 || paramDelta() != 0 || activationDelta() != 0
        || allocatedDelta() != 0;
}

QString LayerDifference::typeLabel() const
{
    if (a.present && b.present && a.type != b.type)
        return a.type + QStringLiteral(" → ") + b.type;
    return b.present ? b.type : a.type;
}

QString LayerDifference::pathLabel(qint64 runIdA, qint64 runIdB) const
{
    if (!a.present)
        return path + QStringLiteral(" (only in #%1)").arg(runIdB);
    if (!b.present)
        return path + QStringLiteral(" (only in #%1)").arg(runIdA);
    return path;
}

QJsonObject LayerDifference::toJson() const
{
    auto figures = [](const LayerFigures& f) {
        return QJsonObject { { QStringLiteral("peak_contribution_bytes"), double(f.peakContributionBytes) },
            { QStringLiteral("param_bytes"), double(f.paramBytes) },
            { QStringLiteral("activation_bytes"), double(f.activationBytes) },
            { QStringLiteral("allocated_bytes_per_iteration"), double(f.allocatedBytes) } };
    };
    QJsonObject json;
    json[QStringLiteral("path")] = path;
    json[QStringLiteral("type")] = b.present ? b.type : a.type;
    json[QStringLiteral("a")] = figures(a);
    json[QStringLiteral("b")] = figures(b);
    json[QStringLiteral("peak_contribution_change")] = double(peakContributionDelta());
    json[QStringLiteral("param_change")] = double(paramDelta());
    json[QStringLiteral("activation_change")] = double(activationDelta());
    json[QStringLiteral("allocated_change_per_iteration")] = double(allocatedDelta());
    json[QStringLiteral("only_in_a")] = !b.present;
    json[QStringLiteral("only_in_b")] = !a.present;
    return json;
}

namespace {
    // Per layer path, in module order.
    QVector<std::pair<QString, LayerFigures>> figuresOf(const StoredRun& run)
    {
        const int iterations = measuredIterations(run);
        const QVector<LayerRow> rows = layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::Own);
        QVector<std::pair<QString, LayerFigures>> figures;
        figures.reserve(rows.size());
        for (const LayerRow& row : rows) {
            LayerFigures f;
            f.present = true;
            f.type = row.type;
            f.peakContributionBytes = row.peakContributionBytes;
            f.paramBytes = row.paramBytes;
            f.activationBytes = row.activationBytes;
            f.allocatedBytes = row.allocatedBytes / iterations;
            figures.append({ row.path, f });
        }
        return figures;
    }
}

QVector<LayerDifference> layerDifferences(const StoredRun& a, const StoredRun& b)
{
    QVector<LayerDifference> all;
    QHash<QString, int> byPath;
    for (const auto& [path, figures] : figuresOf(a)) {
        byPath.insert(path, int(all.size()));
        all.append(LayerDifference { path, figures, {} });
    }
    for (const auto& [path, figures] : figuresOf(b)) {
        const auto found = byPath.constFind(path);
        if (found != byPath.constEnd()) {
            all[*found].b = figures;
        } else {
            byPath.insert(path, int(all.size()));
            all.append(LayerDifference { path, {}, figures });
        }
    }
    QVector<LayerDifference> changed;
    std::copy_if(
        all.begin(), all.end(), std::back_inserter(changed), [](const LayerDifference& d) { return d.changed(); });
    std::stable_sort(changed.begin(), changed.end(), [](const LayerDifference& x, const LayerDifference& y) {
        const auto key = [](const LayerDifference& d) {
            return std::make_tuple(
                std::llabs(d.peakContributionDelta()), std::llabs(d.paramDelta()), std::llabs(d.allocatedDelta()));
        };
        return key(x) > key(y);
    });
    return changed;
}

} // namespace memoscope
