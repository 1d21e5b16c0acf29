#include "LayerTable.h"

namespace memoscope {

qint32 LayerTable::add(const Layer& layer)
{
    Layer copy = layer;
    copy.id = qint32(m_layers.size());
    if (copy.path.isNull())
        copy.path = QStringLiteral(""); // the root: an empty path, never NULL in the store
    copy.depth = copy.parentId >= 0 ? m_layers[copy.parentId].depth + 1 : 0;
    m_layers.append(copy);
    if (!copy.pseudo)
        m_byPath.emplace(copy.path.toStdString(), copy.id);
    return copy.id;
}

qint32 LayerTable::find(const std::string& path) const
{
    const auto it = m_byPath.find(path);
    return it == m_byPath.end() ? -1 : it->second;
}

qint32 LayerTable::resolveThroughContainers(const std::string& path) const
{
    // The interpreter's stack names the modules that ran, not the ModuleList or ModuleDict they were taken
    // from: nn.TransformerEncoder's `for mod in self.layers` runs "0", which is "layers.0".
    qint32 current = find("");
    if (current < 0)
        return -1;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t dot = path.find('.', start);
        const std::string segment = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const std::string base = m_layers[current].path.toStdString();
        const std::string direct = base.empty() ? segment : base + "." + segment;
        qint32 next = find(direct);
        if (next < 0) {
            for (const Layer& child : m_layers) {
                if (child.parentId != current || !isContainer(child.type))
                    continue;
                const qint32 inside = find(child.path.toStdString() + "." + segment);
                if (inside >= 0) {
                    if (next >= 0)
                        return -1; // two containers hold a module of that name: ambiguous
                    next = inside;
                }
            }
        }
        if (next < 0)
            return -1;
        current = next;
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    return current;
}

bool LayerTable::isContainer(const QString& type)
{
    return type == QLatin1String("ModuleList") || type == QLatin1String("ModuleDict")
        || type == QLatin1String("Sequential") || type == QLatin1String("ParameterList");
}

qint32 LayerTable::findOrAdd(const std::string& path, const std::string& type)
{
    const qint32 known = find(path);
    if (known >= 0)
        return known;
    if (!path.empty()) {
        const qint32 resolved = resolveThroughContainers(path);
        if (resolved >= 0)
            return resolved;
    }
    std::string ancestor = path;
    qint32 parent = -1;
    while (parent < 0 && !ancestor.empty()) {
        const size_t dot = ancestor.rfind('.');
        ancestor = dot == std::string::npos ? std::string() : ancestor.substr(0, dot);
        parent = find(ancestor);
    }
    Layer layer;
    layer.path = QString::fromStdString(path);
    layer.type = QString::fromStdString(type);
    layer.parentId = parent;
    return add(layer);
}

qint32 LayerTable::addPseudo(const QString& path, const QString& type)
{
    Layer layer;
    layer.path = path;
    layer.type = type;
    layer.pseudo = true;
    return add(layer);
}

} // namespace memoscope
