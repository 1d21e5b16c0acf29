#pragma once
// A folder of images laid out as torchvision's ImageFolder expects: one sub-folder per class, class index =
// position of the sub-folder's name in sorted order; images (PNG, JPEG, BMP) anywhere below it. A folder with
// images and no sub-folders is an unlabelled data set. The file list is made once; images are decoded per
// batch, so nothing but the list is held in memory.

#include "Dataset.h"
#include "ImageDecoding.h"

namespace memoscope {

class ImageFolderDataset : public Dataset {
public:
    ImageFolderDataset(const QString& folder, const DatasetOptions& options); // throws ProfileError

    QString name() const override { return m_name; }
    qint64 size() const override { return qint64(m_files.size()); }
    bool labelled() const override { return !m_classes.isEmpty(); }
    int64_t classCount() const override { return m_classes.size(); }
    QStringList classNames() const override { return m_classes; }
    std::vector<int64_t> sampleShape() const override { return m_sampleShape; }
    DataBatch batch(qint64 first, qint64 count) override;
    bool streamed() const override { return true; }
    qint64 residentBytes() const override { return 0; } // no samples are kept between batches
    QString sampleSummary() const override;

private:
    void listFiles(const QString& folder);
    void chooseLayout(const DatasetOptions& options);

    QString m_name;
    QStringList m_classes;
    QStringList m_files;
    std::vector<int64_t> m_labels; // one per file when labelled
    ImageLayout m_layout;
    std::vector<int64_t> m_sampleShape;
};

} // namespace memoscope
