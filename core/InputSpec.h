#pragma once
// One argument of a model's forward as the user writes it. A tensor: SHAPE[:DTYPE][:LOW..HIGH] ("8x3x224x224",
// "4x128:int64:0..7999", "32x64:float32:0..16"); the path of a file of tensors saved with torch.save; a scalar
// ("int:16000", "float:0.5", "bool:true", "str:TEXT", "none"); or a container of specs: a list "[SPEC,SPEC]", a
// tuple "(SPEC,SPEC)", a dict "{name:SPEC,name:SPEC}", nested as the signature needs. Parsing lives in core so
// the GUI validates exactly as the CLI does; which spec fits which argument is ModelSignature's business.

#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

namespace memoscope {

struct InputSpec {
    enum class Kind { Tensor, File, Int, Float, Bool, Str, None, List, Tuple, Dict };
    Kind kind = Kind::Tensor;

    // Tensor: floats without a range are drawn from a standard normal; integers without a range from 0..9
    // (bool: 0..1).
    QVector<qint64> shape;
    QString dtype = QStringLiteral("float32"); // a name from InputSpec::dtypeNames()
    bool hasRange = false;
    double low = 0; // integers: inclusive bounds; floats: uniform in [low, high)
    double high = 0;

    QString filePath; // File: absolute
    qint64 intValue = 0; // Int
    double floatValue = 0; // Float
    bool boolValue = false; // Bool
    QString text; // Str

    QVector<InputSpec> elements; // List, Tuple, Dict (the values)
    QStringList keys; // Dict: keys[i] names elements[i]

    // Refuses control characters, ranges a type cannot hold, directories and missing files, with a message
    // that names the problem and what to write instead.
    static std::optional<InputSpec> parse(const QString& text, QString* error);
    static QStringList dtypeNames();
    static bool isIntegerType(const QString& dtype);
    static int elementBytes(const QString& dtype); // 4 for float32, 1 for bool

    bool isTensor() const { return kind == Kind::Tensor; }
    bool isContainer() const { return kind == Kind::List || kind == Kind::Tuple || kind == Kind::Dict; }
    QString kindName() const; // "a tensor spec", "an int", "a list": for messages
    QString toString() const; // parses back to the same spec
    qint64 elementCount() const; // a tensor's elements
    // The bytes of the tensors it makes, nested ones included; 0 for a file, known only once read.
    qint64 byteCount() const;
    // Every tensor spec inside, depth first (itself when it is one).
    QVector<const InputSpec*> tensors() const;
};

// The grammar, in words, for --help and error messages.
QString inputSpecSyntax();

} // namespace memoscope
