#include "ImageFolderDataset.h"

#include "SampleShape.h"
#include "profiler/ProfileError.h"

#include <ATen/ATen.h>
#include <QDir>
#include <QDirIterator>
#include <QImageReader>
#include <algorithm>
#include <cstring>

namespace memoscope {

namespace {
    // Sorted by code point, as Python's sorted() in torchvision's ImageFolder, so class indices agree with a
    // model trained on the same folder.
    QStringList sortedNames(QStringList names)
    {
        std::sort(names.begin(), names.end());
        return names;
    }

    QStringList imagesIn(const QString& folder, bool recursive)
    {
        QStringList files;
        QDirIterator it(folder, QDir::Files | QDir::Readable,
            recursive ? QDirIterator::Subdirectories | QDirIterator::FollowSymlinks : QDirIterator::NoIteratorFlags);
        while (it.hasNext()) {
            const QString path = it.next();
            if (isImageFileName(path))
                files << path;
        }
        return sortedNames(files);
    }
}

ImageFolderDataset::ImageFolderDataset(const QString& folder, const DatasetOptions& options)
    : m_name(QDir(QFileInfo(folder).absoluteFilePath()).dirName())
{
    listFiles(folder);
    chooseLayout(options);
}

void ImageFolderDataset::listFiles(const QString& folder)
{
    const QDir root(folder);
    const QStringList classes = sortedNames(root.entryList(QDir::Dirs | QDir::NoDotAndDotDot));
    if (classes.isEmpty()) {
        m_files = imagesIn(folder, false);
        if (m_files.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("data set %1 holds no PNG, JPEG or BMP images; an image folder has one sub-folder of "
                               "images per class (or only images, for unlabelled data)")
                    .arg(folder));
        return;
    }
    for (const QString& className : classes) {
        const QStringList files = imagesIn(root.filePath(className), true);
        if (files.isEmpty())
            throw ProfileError(ExitBadInput,
                QStringLiteral("class folder %1 of data set %2 holds no PNG, JPEG or BMP images; every sub-folder "
                               "is a class, so remove it or add its images")
                    .arg(className, m_name));
        for (const QString& file : files) {
            m_files << file;
            m_labels.push_back(m_classes.size());
        }
        m_classes << className;
    }
}

void ImageFolderDataset::chooseLayout(const DatasetOptions& options)
{
    const std::vector<int64_t>& wanted = options.sampleShape;
    int channels = 0;
    if (wanted.size() == 3) {
        if (wanted[0] != 1 && wanted[0] != 3)
            throw ProfileError(ExitBadInput,
                QStringLiteral("the model's input takes shape %1, but images are read as [C, H, W] with 1 "
                               "(grayscale) or 3 (RGB) channels")
                    .arg(shapeText(wanted)));
        channels = int(wanted[0]);
        m_layout.height = int(wanted[1]);
        m_layout.width = int(wanted[2]);
    }
    if (options.imageHeight > 0 && options.imageWidth > 0) {
        m_layout.height = int(options.imageHeight);
        m_layout.width = int(options.imageWidth);
    }
    if (m_layout.height <= 0 || m_layout.width <= 0) {
        // Nothing says how large: take the first image's size (read from its header) and resize the others.
        QImageReader reader(m_files.front());
        QSize size = reader.size();
        if (!size.isValid())
            size = loadImage(m_files.front()).size();
        m_layout.height = size.height();
        m_layout.width = size.width();
    }
    if (channels == 0) {
        // A flat input (e.g. [784] for 28x28) that matches one value per pixel means grayscale.
        const bool onePerPixel = !wanted.empty() && elementCount(wanted) == int64_t(m_layout.height) * m_layout.width;
        channels = onePerPixel ? 1 : 3;
    }
    m_layout.channels = channels;
    m_layout.normalize = options.normalizeImages;
    m_sampleShape = fitSampleShape(m_name, { channels, m_layout.height, m_layout.width }, wanted);
}

QString ImageFolderDataset::sampleSummary() const
{
    QString text = QStringLiteral("%1 images at %2x%3")
                       .arg(m_layout.channels == 1 ? QStringLiteral("grayscale") : QStringLiteral("RGB"))
                       .arg(m_layout.height)
                       .arg(m_layout.width);
    if (m_sampleShape != std::vector<int64_t> { m_layout.channels, m_layout.height, m_layout.width })
        text += QStringLiteral(" as %1").arg(shapeText(m_sampleShape));
    return text;
}

DataBatch ImageFolderDataset::batch(qint64 first, qint64 count)
{
    first = std::clamp<qint64>(first, 0, size());
    count = std::clamp<qint64>(count, 0, size() - first);
    std::vector<int64_t> shape { count };
    shape.insert(shape.end(), m_sampleShape.begin(), m_sampleShape.end());
    DataBatch batch;
    batch.inputs = at::empty(shape, at::kFloat);
    const int64_t sampleValues = elementCount(m_sampleShape);
    float* out = batch.inputs.data_ptr<float>();
    for (qint64 i = 0; i < count; ++i)
        imageToFloats(loadImage(m_files[first + i]), m_layout, out + i * sampleValues);
    if (labelled()) {
        batch.labels = at::empty({ count }, at::kLong);
        std::memcpy(batch.labels.data_ptr<int64_t>(), m_labels.data() + first, count * sizeof(int64_t));
    }
    return batch;
}

} // namespace memoscope
