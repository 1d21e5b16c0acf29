#pragma once
// Damaged model files made in the tests from a real one: its records read back, changed, and written as a zip
// again (stored, with correct CRC-32s unless a test breaks them on purpose).

#include <QByteArray>
#include <QString>
#include <vector>

namespace memoscope::test {

struct CraftedRecord {
    QString name; // with the archive's folder, e.g. "digits_cnn/data/0"
    QByteArray bytes;
};

std::vector<CraftedRecord> recordsOf(const QString& modelPath);
QByteArray zipOf(const std::vector<CraftedRecord>& records);
// The record whose name ends with `suffix` (e.g. "/data/0"); fails the test when there is none.
CraftedRecord& recordNamed(std::vector<CraftedRecord>& records, const QString& suffix);
// Where the record's bytes start in a zip made by zipOf().
qint64 dataOffsetIn(const QByteArray& zip, const QString& name);
bool writeBytes(const QString& path, const QByteArray& bytes);

} // namespace memoscope::test
