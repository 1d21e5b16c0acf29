#include "LayerDiff.h"

#include "core/Analysis.h"

#include <QHash>
#include <algorithm>
#include <cstdlib>

namespace memoscope {

qint64 LayerDifference::sizeOfChange() const
{
    return std::max({ std::llabs(peakChange()), std::llabs(paramChange()), std::llabs(activationChange()),
        std::llabs(allocatedChange()) });
}

QJsonObject LayerDifference::toJson() const
{
    auto figures = [](const LayerFigures& f) {
        return QJsonObject { { QStringLiteral("peak_contribution_bytes"), double(f.peakContributionBytes) },
            { QStringLiteral("param_bytes"), double(f.paramBytes) },
            { QStringLiteral("activation_bytes"), double(f.activationBytes) },
            { QStringLiteral("allocated_bytes"), double(f.allocatedBytes) } };
    };
    QJsonObject json;
    json[QStringLiteral("path")] = path;
    json[QStringLiteral("type")] = type;
    json[QStringLiteral("a")] = figures(before);
    json[QStringLiteral("b")] = figures(after);
    json[QStringLiteral("peak_contribution_change")] = double(peakChange());
    json[QStringLiteral("param_change")] = double(paramChange());
    json[QStringLiteral("activation_change")] = double(activationChange());
    json[QStringLiteral("allocated_change")] = double(allocatedChange());
    json[QStringLiteral("only_in_a")] = onlyInA;
    json[QStringLiteral("only_in_b")] = onlyInB;
    return json;
}

namespace {
    struct OwnLayer {
        QString type;
        LayerFigures figures;
    };

    QVector<QPair<QString, OwnLayer>> ownLayers(const StoredRun& run)
    {
        const int iterations
            = std::max(1, run.trace.iterationCount() > 0 ? run.trace.iterationCount() : run.summary.config.iterations);
        QVector<QPair<QString, OwnLayer>> layers;
        for (const LayerRow& row : layerRows(run.trace.layers, run.layerStats, iterations, LayerScope::Own))
            layers.append({ row.path,
                OwnLayer { row.type,
                    LayerFigures {
                        row.peakContributionBytes, row.paramBytes, row.activationBytes, row.allocatedBytes } } });
        return layers;
    }
}

QVector<LayerDifference> diffLayers(const StoredRun& a, const StoredRun& b)
{
    const QVector<QPair<QString, OwnLayer>> before = ownLayers(a);
    const QVector<QPair<QString, OwnLayer>> after = ownLayers(b);
    QHash<QString, int> indexInB;
    for (int i = 0; i < after.size(); ++i)
        indexInB.insert(after[i].first, i);

    QVector<LayerDifference> differences;
    QVector<bool> matched(after.size(), false);
    for (const auto& [path, layer] : before) {
        LayerDifference d;
        d.path = path;
        d.type = layer.type;
        d.before = layer.figures;
        const auto found = indexInB.constFind(path);
        if (found == indexInB.constEnd()) {
            d.onlyInA = true;
        } else {
            matched[*found] = true;
            d.after = after[*found].second.figures;
            d.type = after[*found].second.type;
        }
        differences << d;
    }
    for (int i = 0; i < after.size(); ++i) {
        if (matched[i])
            continue;
        LayerDifference d;
        d.path = after[i].first;
        d.type = after[i].second.type;
        d.after = after[i].second.figures;
        d.onlyInB = true;
        differences << d;
    }
    differences.erase(std::remove_if(differences.begin(), differences.end(),
                          [](const LayerDifference& d) { return d.sizeOfChange() == 0 && !d.onlyInA && !d.onlyInB; }),
        differences.end());
    std::stable_sort(differences.begin(), differences.end(),
        [](const LayerDifference& x, const LayerDifference& y) { return x.sizeOfChange() > y.sizeOfChange(); });
    return differences;
}

} // namespace memoscope
