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

qint32 LayerTable::findOrAdd(const std::string& path, const std::string& type)
{
    const qint32 known = find(path);
    if (known >= 0)
        return known;
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
