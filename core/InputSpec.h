#pragma once
// One model input as the user writes it: SHAPE[:DTYPE][:LOW..HIGH] ("8x3x224x224", "4x128:int64:0..7999",
// "32x64:float32:0..16"), or the path of a file of tensors saved with torch.save. Parsing lives in core so the
// GUI's input editor validates exactly as the CLI does.

#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

namespace memoscope {

struct InputSpec {
    enum class Source { Random, File };
    Source source = Source::Random;
    QVector<qint64> shape;
    QString dtype = QStringLiteral("float32"); // a name from InputSpec::dtypeNames()
    bool hasRange = false;
    double low = 0; // integers: inclusive bounds; floats: uniform in [low, high)
    double high = 0;
    QString filePath;

    // Floats without a range are drawn from a standard normal; integers without a range from 0..9.
    static std::optional<InputSpec> parse(const QString& text, QString* error);
    static QStringList dtypeNames();
    static bool isIntegerType(const QString& dtype);
    static int elementBytes(const QString& dtype); // 4 for float32, 1 for bool
    QString toString() const;
    qint64 elementCount() const;
    qint64 byteCount() const; // 0 for a file: its size is known only once read
};

} // namespace memoscope
