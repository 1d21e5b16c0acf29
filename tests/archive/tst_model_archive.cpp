// The model-archive check on real TorchScript files and on files damaged in the test: a short storage record,
// a flipped byte, a truncated archive, a pickle that names a missing record; and the pickle reader on pickles
// written by hand.

#include "CraftedArchive.h"
#include "support/TestSupport.h"

#include "profiler/archive/ArchiveError.h"
#include "profiler/archive/ModelArchive.h"
#include "profiler/archive/ModelFileCheck.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace memoscope;
using namespace memoscope::test;

namespace {
// A byte string literal with its NULs, without its terminating one.
template <size_t N> QByteArray bytes(const char (&literal)[N]) { return QByteArray(literal, N - 1); }
}

class TestModelArchive : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_demo = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));

    // The message of the ArchiveError reading `bytes` throws, or an empty string when it reads.
    static QString errorOf(const QByteArray& bytes, bool checksums, ArchiveError::Kind* kind = nullptr)
    {
        const auto* data = reinterpret_cast<const unsigned char*>(bytes.constData());
        try {
            const ModelArchive archive = ModelArchive::read(data, bytes.size());
            if (checksums)
                archive.verifyChecksums(data);
        } catch (const ArchiveError& error) {
            if (kind)
                *kind = error.kind();
            return error.message();
        }
        return QString();
    }
    QByteArray demoBytes() const
    {
        QFile file(m_demo);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private Q_SLOTS:
    void readsWhatPyTorchSaved()
    {
        const ModelArchive archive = ModelArchive::readFile(m_demo, /*checksums=*/true);
        QCOMPARE(archive.folder(), QStringLiteral("digits_cnn"));
        QVERIFY(archive.formatVersion() >= 1);
        QVERIFY(archive.codeFiles().contains(QStringLiteral("code/__torch__.py")) || !archive.codeFiles().isEmpty());
        // Every data/ record is a storage data.pkl declares, and holds exactly what it declares.
        int dataRecords = 0;
        for (const ZipRecord& record : archive.records())
            dataRecords += record.name.startsWith(QStringLiteral("digits_cnn/data/")) ? 1 : 0;
        int declared = 0;
        for (const ArchiveStorage& storage : archive.storages()) {
            declared += storage.pickle == QLatin1String("data.pkl") ? 1 : 0;
            QCOMPARE(storage.recordBytes, storage.bytesNeeded());
        }
        QCOMPARE(declared, dataRecords);
        QVERIFY(dataRecords > 0);
        // Writing the records back as a zip of our own changes nothing the check sees.
        QCOMPARE(errorOf(zipOf(recordsOf(m_demo)), true), QString());
    }

    void refusesAShortStorageRecord()
    {
        std::vector<CraftedRecord> records = recordsOf(m_demo);
        CraftedRecord& first = recordNamed(records, QStringLiteral("/data/0"));
        const qint64 declared = first.bytes.size();
        first.bytes.truncate(8);
        const QString error = errorOf(zipOf(records), false);
        QVERIFY2(error.contains(QStringLiteral("the record digits_cnn/data/0 holds 8 bytes, but data.pkl declares a "
                                               "FloatStorage of %1 bytes in it")
                                    .arg(QLocale::c().toString(declared))),
            qPrintable(error));
    }

    void refusesAFlippedByte()
    {
        QByteArray zip = zipOf(recordsOf(m_demo));
        const qint64 at = dataOffsetIn(zip, QStringLiteral("digits_cnn/data/1"));
        QVERIFY(at > 0);
        zip[at + 3] = char(zip[at + 3] ^ 0x10);
        QCOMPARE(errorOf(zip, false), QString()); // the structure is intact: only the CRC tells
        const QString error = errorOf(zip, true);
        QVERIFY2(error.contains(QStringLiteral("the record digits_cnn/data/1 does not match its CRC-32")),
            qPrintable(error));
    }

    // As a model loads: what LibTorch interprets is refused before it reads the file; a changed storage byte,
    // which LibTorch only copies, is found by the second thread and reported when the check finishes.
    void checksStoragesBesideTheLoad()
    {
        const QByteArray zip = zipOf(recordsOf(m_demo));
        const auto flipped = [&](const QString& record, const QString& name) {
            QByteArray damaged = zip;
            const qint64 at = dataOffsetIn(damaged, record);
            damaged[at + 3] = char(damaged[at + 3] ^ 0x10);
            const QString file = m_dir.filePath(name);
            QFile out(file);
            out.open(QIODevice::WriteOnly);
            out.write(damaged);
            return file;
        };
        const QString storage = flipped(QStringLiteral("digits_cnn/data/1"), QStringLiteral("storage.pt"));
        ModelFileCheck check(storage); // does not throw: the storages are still being read
        QString error;
        try {
            check.finish();
        } catch (const ArchiveError& e) {
            error = e.message();
        }
        QVERIFY2(error.contains(QStringLiteral("the record digits_cnn/data/1 does not match its CRC-32")),
            qPrintable(error));

        const QString pickle = flipped(QStringLiteral("digits_cnn/data.pkl"), QStringLiteral("pickle.pt"));
        error.clear();
        try {
            ModelFileCheck before(pickle);
        } catch (const ArchiveError& e) {
            error = e.message();
        }
        // Refused before LibTorch could read it: by its CRC-32, or by the scan of the pickle it broke.
        QVERIFY2(error.contains(QStringLiteral("data.pkl")), qPrintable(error));
        ModelFileCheck(m_demo).finish(); // and the file as saved passes
    }

    void refusesATruncatedArchive()
    {
        const QByteArray whole = demoBytes();
        for (const qint64 keep : { whole.size() / 2, whole.size() - 10, qint64(100) }) {
            ArchiveError::Kind kind = ArchiveError::Kind::Damaged;
            const QString error = errorOf(whole.left(keep), true, &kind);
            QVERIFY2(error.contains(QStringLiteral("cut short")), qPrintable(error));
        }
    }

    void refusesAPickleThatNamesAMissingRecord()
    {
        std::vector<CraftedRecord> records = recordsOf(m_demo);
        records.erase(std::find_if(records.begin(), records.end(),
            [](const CraftedRecord& record) { return record.name.endsWith(QStringLiteral("/data/2")); }));
        const QString error = errorOf(zipOf(records), true);
        QVERIFY2(error.contains(QStringLiteral("data.pkl refers to the record digits_cnn/data/2, which the archive "
                                               "does not have")),
            qPrintable(error));
    }

    void tellsOtherFilesFromDamagedModels()
    {
        ArchiveError::Kind kind = ArchiveError::Kind::Damaged;
        QVERIFY(!errorOf(QByteArray("not a model at all, just text\n"), true, &kind).isEmpty());
        QCOMPARE(kind, ArchiveError::Kind::NotAnArchive);
        std::vector<CraftedRecord> records = recordsOf(m_demo);
        recordNamed(records, QStringLiteral("/data.pkl")).name = QStringLiteral("digits_cnn/other.pkl");
        QVERIFY(errorOf(zipOf(records), true, &kind).contains(QStringLiteral("without digits_cnn/data.pkl")));
        QCOMPARE(kind, ArchiveError::Kind::NotAnArchive);
    }

    void readsPicklesWrittenByHand_data()
    {
        QTest::addColumn<QByteArray>("pickle");
        QTest::addColumn<QString>("error");
        QTest::addColumn<qint64>("elementsUsed");
        // ('storage', torch.FloatStorage, '0', 'cpu', 10) as a persistent id, then _rebuild_tensor_v2 over it.
        const QByteArray storage = bytes("\x80\x02"
                                         "ctorch._utils\n_rebuild_tensor_v2\n"
                                         "((X\x07\x00\x00\x00storage"
                                         "ctorch\nFloatStorage\nX\x01\x00\x00\x00"
                                         "0X\x03\x00\x00\x00"
                                         "cpuK\x0atQ");
        QTest::newRow("a 2x3 view at offset 4")
            << storage + bytes("K\x04K\x02K\x03\x86K\x03K\x01\x86\x89tR.") << QString() << qint64(10);
        QTest::newRow("an empty view") << storage + bytes("K\x04K\x00\x85K\x01\x85\x89tR.") << QString() << qint64(0);
        QTest::newRow("a list inside itself") << bytes("\x80\x02]q\x00h\x00\x61.") << QString() << qint64(-1);
        QTest::newRow("cut short") << bytes("\x80\x02]q\x00") << QStringLiteral("ends before its STOP") << qint64(-1);
        QTest::newRow("unknown opcode") << bytes("\x80\x02\xff.")
                                        << QStringLiteral("0xff is not a pickle opcode PyTorch reads") << qint64(-1);
        QTest::newRow("memo never stored")
            << bytes("\x80\x02h\x07.") << QStringLiteral("memo entry 7, which was never stored") << qint64(-1);
        QTest::newRow("overflowing size") << storage
                + bytes("K\x00\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f\x85\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f"
                        "\x85\x89tR.") << QStringLiteral("a tensor's size overflows")
                                          << qint64(-1);
    }
    void readsPicklesWrittenByHand()
    {
        QFETCH(QByteArray, pickle);
        QFETCH(QString, error);
        QFETCH(qint64, elementsUsed);
        try {
            const std::vector<PickledStorage> storages = scanPickle(
                reinterpret_cast<const unsigned char*>(pickle.constData()), pickle.size(), QStringLiteral("data.pkl"));
            QVERIFY2(error.isEmpty(), qPrintable(QStringLiteral("read without the error: ") + error));
            if (elementsUsed >= 0) {
                QCOMPARE(int(storages.size()), 1);
                QCOMPARE(storages[0].elements, qint64(10));
                QCOMPARE(storages[0].elementBytes, qint64(4));
                QCOMPARE(storages[0].elementsUsed, elementsUsed);
            }
        } catch (const ArchiveError& thrown) {
            QVERIFY2(!error.isEmpty() && thrown.message().contains(error), qPrintable(thrown.message()));
        }
    }
};

QTEST_GUILESS_MAIN(TestModelArchive)
#include "tst_model_archive.moc"
