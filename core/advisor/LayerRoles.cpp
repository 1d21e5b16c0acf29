#include "LayerRoles.h"

namespace memoscope {

LayerKind layerKind(const QString& type)
{
    if (type == QLatin1String("Linear") || type == QLatin1String("NonDynamicallyQuantizableLinear")
        || type == QLatin1String("LazyLinear"))
        return LayerKind::Linear;
    if (type.startsWith(QLatin1String("Conv")))
        return LayerKind::Conv;
    if (type == QLatin1String("LSTM") || type == QLatin1String("GRU") || type == QLatin1String("RNN"))
        return LayerKind::Recurrent;
    if (type == QLatin1String("MultiheadAttention"))
        return LayerKind::Attention;
    if (type.startsWith(QLatin1String("BatchNorm")))
        return LayerKind::BatchNorm;
    if (type == QLatin1String("LayerNorm") || type == QLatin1String("GroupNorm"))
        return LayerKind::LayerNorm;
    if (type.startsWith(QLatin1String("Embedding")))
        return LayerKind::Embedding;
    return LayerKind::Other;
}

namespace {
    bool isWeighted(const Layer& layer)
    {
        const LayerKind kind = layerKind(layer.type);
        return (kind == LayerKind::Linear || kind == LayerKind::Conv) && layer.paramBytes > 0;
    }

    // LayerNorm normalises over every channel, so channels entering it cannot be cut: a block holding one (a
    // transformer layer) only loses the hidden features between its Linear layers. Attention reshapes its
    // features into heads, so nothing inside it is cut either.
    QVector<bool> inNormalisedBlock(const QVector<Layer>& layers)
    {
        QVector<bool> parentNormalised(layers.size(), false);
        for (const Layer& layer : layers)
            if (layerKind(layer.type) == LayerKind::LayerNorm && layer.parentId >= 0)
                parentNormalised[layer.parentId] = true;
        QVector<bool> blocked(layers.size(), false);
        for (const Layer& layer : layers) {
            const bool underAttention
                = layer.parentId >= 0 && layerKind(layers[layer.parentId].type) == LayerKind::Attention;
            blocked[layer.id] = (layer.parentId >= 0 && parentNormalised[layer.parentId]) || underAttention
                || layerKind(layer.type) == LayerKind::Attention;
        }
        return blocked;
    }
}

QVector<PruningShape> pruningShapes(const QVector<Layer>& layers)
{
    QVector<PruningShape> shapes(layers.size());
    const QVector<bool> blocked = inNormalisedBlock(layers);

    // The chain: weighted layers outside normalised blocks, in the order the model declares them (for
    // convolutional nets and MLPs, the order they run).
    QVector<qint32> chain;
    for (const Layer& layer : layers)
        if (isWeighted(layer) && !blocked[layer.id] && !layer.pseudo)
            chain << layer.id;
    if (!chain.isEmpty()) {
        for (int i = 0; i < chain.size(); ++i) {
            shapes[chain[i]].inputsCut = i > 0;
            shapes[chain[i]].outputsCut = i + 1 < chain.size();
        }
        // Everything declared after the first cut layer and before the last one carries cut channels:
        // BatchNorm statistics, activations, pooling.
        for (const Layer& layer : layers) {
            if (blocked[layer.id] || layer.pseudo || layer.id <= chain.first() || layer.id >= chain.last())
                continue;
            shapes[layer.id].activationsCut = true;
            if (layerKind(layer.type) == LayerKind::BatchNorm)
                shapes[layer.id].outputsCut = true;
        }
        shapes[chain.first()].activationsCut = chain.size() > 1;
    }

    // Normalised blocks: a Linear followed by a sibling Linear expands into hidden features that only the
    // next one reads (a transformer's feed-forward), so those are cut; whatever is declared between them too.
    for (const Layer& layer : layers) {
        if (!blocked[layer.id] || !isWeighted(layer) || layerKind(layer.type) != LayerKind::Linear)
            continue;
        if (layer.parentId >= 0 && layerKind(layers[layer.parentId].type) == LayerKind::Attention)
            continue;
        for (qint32 next = layer.id + 1; next < layers.size(); ++next) {
            if (layers[next].parentId != layer.parentId)
                continue;
            if (layerKind(layers[next].type) == LayerKind::Attention
                || layerKind(layers[next].type) == LayerKind::LayerNorm)
                break;
            if (isWeighted(layers[next])) {
                shapes[layer.id].outputsCut = true;
                shapes[layer.id].activationsCut = true;
                shapes[next].inputsCut = true;
                for (qint32 between = layer.id + 1; between < next; ++between)
                    if (layers[between].parentId == layer.parentId)
                        shapes[between].activationsCut = true;
                break;
            }
        }
    }
    return shapes;
}

} // namespace memoscope
