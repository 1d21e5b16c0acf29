#include "core/ByteFormat.h"
#include "core/InputSpec.h"
#include "core/ModelSignature.h"

#include <QDir>
#include <QTemporaryFile>
#include <QtTest>

using namespace memoscope;

class TestInputSpec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<bool>("hasRange");
        QTest::addColumn<double>("low");
        QTest::addColumn<double>("high");
        QTest::newRow("image batch") << "8x3x224x224" << "8,3,224,224" << "float32" << false << 0.0 << 0.0;
        QTest::newRow("token ids") << "4x128:int64:0..7999" << "4,128" << "int64" << true << 0.0 << 7999.0;
        QTest::newRow("range without type") << "32x64:0..16" << "32,64" << "float32" << true << 0.0 << 16.0;
        QTest::newRow("bf16") << "2x3:bfloat16" << "2,3" << "bfloat16" << false << 0.0 << 0.0;
        QTest::newRow("vector") << "10" << "10" << "float32" << false << 0.0 << 0.0;
        QTest::newRow("negative range") << "5:float32:-1.5..2.5" << "5" << "float32" << true << -1.5 << 2.5;
    }
    void parsesSpecs()
    {
        QFETCH(QString, text);
        QString error;
        const std::optional<InputSpec> spec = InputSpec::parse(text, &error);
        QVERIFY2(spec.has_value(), qPrintable(error));
        QStringList sizes;
        for (qint64 size : spec->shape)
            sizes << QString::number(size);
        QTEST(sizes.join(QLatin1Char(',')), "shape");
        QTEST(spec->dtype, "dtype");
        QTEST(spec->hasRange, "hasRange");
        QTEST(spec->low, "low");
        QTEST(spec->high, "high");
    }

    void rejectsMalformedSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("letters") << "8xAx3" << "not a shape";
        QTest::newRow("zero size") << "8x0" << "at least 1";
        QTest::newRow("unknown type") << "8x3:float8" << "unknown type 'float8'";
        QTest::newRow("empty range") << "8:int64:9..1" << "LOW must not exceed HIGH";
        QTest::newRow("fractional int range") << "8:int64:0..2.5" << "whole-number";
        QTest::newRow("too many parts") << "8:int64:0..1:x" << "too many";
        QTest::newRow("missing file") << "/nonexistent/batch.pt" << "does not exist";
        QTest::newRow("huge") << "100000x100000x100000" << "too large";
        // A shell's $'8x64\n' used to be trimmed and accepted.
        QTest::newRow("newline") << "8x64\n" << "control character";
        QTest::newRow("tab inside") << "8x\t64" << "control character";
        // Used to pass the parser, then fail in LibTorch's random kernels and store a failed run.
        QTest::newRow("float32 overflow") << "8x64:float32:0..1e300" << "float32 holds";
        QTest::newRow("float16 overflow") << "8x64:float16:0..70000" << "float16 holds";
        QTest::newRow("bool range") << "8x64:bool:0..5" << "bool holds 0..1";
        QTest::newRow("uint8 negative") << "8:uint8:-1..3" << "uint8 holds 0..255";
        QTest::newRow("int64 overflow") << "8:int64:0..9223372036854775807" << "int64 holds";
        QTest::newRow("too wide") << "8:float32:-3e38..3e38" << "wider than float32";
        QTest::newRow("infinite bound") << "8:float64:0..inf" << "finite";
        QTest::newRow("bad int") << "int:abc" << "is not an int";
        QTest::newRow("bad float") << "float:nan" << "is not a float";
        QTest::newRow("bad bool") << "bool:maybe" << "bool:true or bool:false";
        QTest::newRow("unclosed list") << "[3x4,3x5" << "missing its closing ']'";
        QTest::newRow("bad element") << "[3x4,abc]" << "in input '[3x4,abc]'";
        QTest::newRow("trailing text") << "[3x4]x" << "after the closing";
        QTest::newRow("dict without names") << "{3x4}" << "name:SPEC";
        QTest::newRow("dict twice") << "{a:3,a:4}" << "names 'a' twice";
        QTest::newRow("too deep") << QString(20, QLatin1Char('[')) + QString(20, QLatin1Char(']')) << "nest at most";
        QTest::newRow("empty") << "  " << "empty";
        QTest::newRow("empty element") << "[3x4,]" << "empty";
    }
    void rejectsMalformedSpecs()
    {
        QFETCH(QString, text);
        QFETCH(QString, messagePart);
        QString error;
        QVERIFY(!InputSpec::parse(text, &error).has_value());
        QVERIFY2(error.contains(messagePart), qPrintable(error));
    }

    void existingFileIsAFileSource()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        QString error;
        const std::optional<InputSpec> spec = InputSpec::parse(file.fileName(), &error);
        QVERIFY(spec.has_value());
        QCOMPARE(spec->kind, InputSpec::Kind::File);
    }

    void directoryIsRefused()
    {
        // Used to say "does not exist" about a folder that plainly does.
        QString error;
        QVERIFY(!InputSpec::parse(QDir::tempPath(), &error).has_value());
        QVERIFY2(error.contains(QStringLiteral("is a folder")), qPrintable(error));
    }

    void parsesStructures_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("int") << "int:16000" << "int:16000" << qint64(0);
        QTest::newRow("negative int") << "int:-3" << "int:-3" << qint64(0);
        QTest::newRow("float") << "float:0.5" << "float:0.5" << qint64(0);
        QTest::newRow("bool") << "bool:TRUE" << "bool:true" << qint64(0);
        QTest::newRow("str") << "str:hello world" << "str:hello world" << qint64(0);
        QTest::newRow("none") << "none" << "none" << qint64(0);
        QTest::newRow("images") << "[3x320x320,3x240x320]" << "[3x320x320:float32,3x240x320:float32]"
                                << qint64((3 * 320 * 320 + 3 * 240 * 320) * 4);
        QTest::newRow("spaces") << " [ 2x2 , int:1 ] " << "[2x2:float32,int:1]" << qint64(16);
        QTest::newRow("empty list") << "[]" << "[]" << qint64(0);
        QTest::newRow("tuple") << "(4x8:int64:0..9,none)" << "(4x8:int64:0..9,none)" << qint64(4 * 8 * 8);
        QTest::newRow("one-tuple") << "(2x2,)" << "(2x2:float32,)" << qint64(16);
        QTest::newRow("dict") << "{boxes:4x4,labels:4:int64:1..90}" << "{boxes:4x4:float32,labels:4:int64:1..90}"
                              << qint64(64 + 32);
        QTest::newRow("nested") << "[{a:[1x2,(int:3,str:\"x,y\")]}]" << "[{a:[1x2:float32,(int:3,str:\"x,y\")]}]"
                                << qint64(8);
    }
    void parsesStructures()
    {
        QFETCH(QString, text);
        QString error;
        const std::optional<InputSpec> spec = InputSpec::parse(text, &error);
        QVERIFY2(spec.has_value(), qPrintable(error));
        QTEST(spec->toString(), "canonical");
        QTEST(spec->byteCount(), "bytes");
        // The canonical text is itself a spec that means the same.
        const std::optional<InputSpec> again = InputSpec::parse(spec->toString(), &error);
        QVERIFY2(again.has_value(), qPrintable(error));
        QCOMPARE(again->toString(), spec->toString());
    }

    void specsFitSignatures_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("error"); // empty: fits
        QTest::newRow("int") << "int" << "int:16000" << "";
        QTest::newRow("int for tensor") << "int" << "8x64" << "is int; got a tensor spec";
        QTest::newRow("int as float") << "float" << "int:2" << "";
        QTest::newRow("optional none") << "Optional[Tensor]" << "none" << "";
        QTest::newRow("optional tensor") << "Optional[Tensor]" << "2x2" << "";
        QTest::newRow("images") << "List[Tensor]" << "[3x8x8,3x9x9]" << "";
        QTest::newRow("bad image") << "List[Tensor]" << "[3x8x8,int:1]" << "its element 2 is Tensor; got an int";
        QTest::newRow("dict") << "Dict[str, Tensor]" << "{a:2,b:3}" << "";
        QTest::newRow("tuple arity") << "Tuple[Tensor, int]" << "(2x2)" << "got a tuple of 1";
        QTest::newRow("tuple types") << "Tuple[Tensor, int]" << "(2x2,bool:true)" << "its element 2 is int; got a bool";
        QTest::newRow("nested optional") << "Optional[List[Dict[str, Tensor]]]" << "[{boxes:1x4}]" << "";
        QTest::newRow("class") << "__torch__.Foo" << "2x2" << "which no input spec can make";
    }
    void specsFitSignatures()
    {
        QFETCH(QString, type);
        QFETCH(QString, spec);
        QFETCH(QString, error);
        const ArgumentType parsed = ArgumentType::parse(type);
        QCOMPARE(parsed.toString(), type);
        QString parseError;
        const std::optional<InputSpec> input = InputSpec::parse(spec, &parseError);
        QVERIFY2(input.has_value(), qPrintable(parseError));
        QString why;
        QCOMPARE(specFits(*input, parsed, &why), error.isEmpty());
        QVERIFY2(why.contains(error), qPrintable(why));
    }

    void signatureNamesTheArgument()
    {
        ModelSignature signature;
        signature.arguments = { { QStringLiteral("x"), ArgumentType::parse(QStringLiteral("Tensor")), false, {} },
            { QStringLiteral("sr"), ArgumentType::parse(QStringLiteral("int")), false, {} },
            { QStringLiteral("mask"), ArgumentType::parse(QStringLiteral("Optional[Tensor]")), true,
                QStringLiteral("None") } };
        signature.returns = QStringLiteral("Tensor");
        auto specs = [](const QStringList& texts) {
            QVector<InputSpec> parsed;
            QString error;
            for (const QString& text : texts)
                parsed << *InputSpec::parse(text, &error);
            return parsed;
        };
        QString error;
        QVERIFY(signature.check(specs({ QStringLiteral("8x64"), QStringLiteral("int:16000") }), &error));
        QVERIFY(!signature.check(specs({ QStringLiteral("8x64"), QStringLiteral("8x64") }), &error));
        QCOMPARE(error, QStringLiteral("argument 'sr' is int; got a tensor spec"));
        QVERIFY(!signature.check(specs({ QStringLiteral("8x64") }), &error));
        QVERIFY2(error.contains(QStringLiteral("'sr' (int) has no default: give a 2nd --input such as int:0")),
            qPrintable(error));
        QVERIFY(!signature.check(specs({ QStringLiteral("1"), QStringLiteral("int:1"), QStringLiteral("none"),
                                      QStringLiteral("none") }),
            &error));
        QVERIFY2(error.contains(QStringLiteral("takes 3 arguments; got 4")), qPrintable(error));
        QCOMPARE(ModelSignature::fromJson(signature.toJson()).toString(), signature.toString());
        QCOMPARE(signature.toString(), QStringLiteral("forward(x: Tensor, sr: int, mask: Optional[Tensor] = None) -> Tensor"));
    }

    void byteSizes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("plain") << "1048576" << qint64(1048576);
        QTest::newRow("K") << "512K" << qint64(512 * 1024);
        QTest::newRow("MiB") << "64MiB" << qint64(64) * 1024 * 1024;
        QTest::newRow("G") << "2G" << qint64(2) * 1024 * 1024 * 1024;
        QTest::newRow("fraction") << "1.5GB" << qint64(1.5 * 1024 * 1024 * 1024);
    }
    void byteSizes()
    {
        QFETCH(QString, text);
        qint64 bytes = 0;
        QVERIFY(parseByteSize(text, &bytes));
        QTEST(bytes, "bytes");
        QVERIFY(!parseByteSize(QStringLiteral("lots"), &bytes));
        QVERIFY(!parseByteSize(QStringLiteral("-5"), &bytes));
        QCOMPARE(formatBytes(1536), QStringLiteral("1.50 KiB"));
        QCOMPARE(formatBytes(3 * 1024 * 1024), QStringLiteral("3.00 MiB"));
    }
};

QTEST_GUILESS_MAIN(TestInputSpec)
#include "tst_inputspec.moc"
