#include "Dataset.h"

#include "CsvDataset.h"
#include "ImageFolderDataset.h"
#include "SubsetDataset.h"
#include "TensorFileDataset.h"
#include "profiler/ProfileError.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <cmath>

namespace memoscope {

Dataset::~Dataset() = default;

QString demoDigitsPath()
{
    // The same places the app looks for the demo model: installed next to the executable, else the source tree.
    QStringList candidates;
    if (QCoreApplication::instance())
        candidates << QDir(QCoreApplication::applicationDirPath())
                          .filePath(QStringLiteral("../share/memoscope/demo/digits.csv"));
    candidates << QStringLiteral(MEMOSCOPE_SOURCE_RESOURCES "/demo/digits.csv");
    for (const QString& candidate : candidates)
        if (QFileInfo::exists(candidate))
            return QFileInfo(candidate).canonicalFilePath();
    return {};
}

std::unique_ptr<Dataset> Dataset::open(const QString& spec, const DatasetOptions& options)
{
    if (spec == QLatin1String("demo-digits")) {
        const QString path = demoDigitsPath();
        if (path.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("the bundled demo-digits data set is not installed (looked for "
                               "share/memoscope/demo/digits.csv); give the path of a data set instead"));
        return std::make_unique<CsvDataset>(path, options);
    }
    const QFileInfo info(spec);
    if (!info.exists())
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 does not exist; give demo-digits, a .csv file, an image folder or a file of "
                           "tensors saved with torch.save")
                .arg(spec));
    if (info.isDir())
        return std::make_unique<ImageFolderDataset>(spec, options);
    if (spec.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        return std::make_unique<CsvDataset>(spec, options);
    return std::make_unique<TensorFileDataset>(spec, options);
}

QString Dataset::contents() const
{
    QString text = QStringLiteral("%1: %2 %3 samples, %4")
                       .arg(name())
                       .arg(size())
                       .arg(labelled() ? QStringLiteral("labelled") : QStringLiteral("unlabelled"), sampleSummary());
    if (labelled())
        text += QStringLiteral(", %1 classes").arg(classCount());
    return text;
}

QString Dataset::description() const
{
    return contents() + (streamed() ? QStringLiteral(", streamed from disk") : QStringLiteral(", in memory"));
}

std::unique_ptr<Dataset> subset(std::shared_ptr<Dataset> base, qint64 first, qint64 count)
{
    return std::make_unique<SubsetDataset>(std::move(base), first, count);
}

DatasetSplit splitHeldOut(std::shared_ptr<Dataset> base, double fraction)
{
    if (!(fraction > 0 && fraction < 1))
        throw ProfileError(ExitBadInput,
            QStringLiteral("the held-out fraction must be between 0 and 1 (got %1), e.g. 0.2 for the last 20 %")
                .arg(fraction));
    const qint64 size = base->size();
    const qint64 heldOut = std::min<qint64>(size, qint64(std::ceil(double(size) * fraction)));
    DatasetSplit split;
    split.train = subset(base, 0, size - heldOut);
    split.heldOut = subset(std::move(base), size - heldOut, heldOut);
    return split;
}

} // namespace memoscope
