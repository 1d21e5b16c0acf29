#pragma once
// What a TorchScript archive's pickles (data.pkl, constants.pkl) say about its tensors, found without LibTorch:
// each storage they reference (its record, element type and element count) and how many of its elements the
// tensors viewing it reach. LibTorch trusts these numbers when it loads, and reads past a record that is too short.

#include <QString>
#include <vector>

namespace memoscope {

struct PickledStorage {
    QString key; // the record's name within the archive's tensor folder, e.g. "0"
    QString type; // e.g. "FloatStorage"
    qint64 elementBytes = 0; // 0 for a type this reader does not know
    qint64 elements = 0; // as the pickle declares it
    qint64 elementsUsed = 0; // the furthest element a tensor of the pickle reaches (offset + extent)
};

// Scans a pickle. Throws ArchiveError (naming `name` and the byte) when it is malformed or uses an opcode PyTorch
// never writes.
std::vector<PickledStorage> scanPickle(const unsigned char* data, qint64 size, const QString& name);

} // namespace memoscope
