#include "core/ByteFormat.h"
#include "core/InputSpec.h"

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
        QCOMPARE(spec->source, InputSpec::Source::File);
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
