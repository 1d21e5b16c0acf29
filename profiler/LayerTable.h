#pragma once
// The layers of a loaded model, looked up by module path. A path from the interpreter that skips a container
// (ModuleList, ModuleDict) is found through it; paths the module tree did not list at all are added on first
// sight under their closest listed ancestor.

#include "core/RunTrace.h"

#include <string>
#include <unordered_map>

namespace memoscope {

class LayerTable {
public:
    qint32 add(const Layer& layer); // returns the new id; parentId must already exist or be -1
    qint32 find(const std::string& path) const; // -1 when unknown
    qint32 findOrAdd(const std::string& path, const std::string& type);
    qint32 addPseudo(const QString& path, const QString& type); // e.g. the loss function
    const QVector<Layer>& layers() const { return m_layers; }
    QVector<Layer>& layers() { return m_layers; }

private:
    qint32 resolveThroughContainers(const std::string& path) const;
    static bool isContainer(const QString& type);

    QVector<Layer> m_layers;
    std::unordered_map<std::string, qint32> m_byPath;
};

} // namespace memoscope
