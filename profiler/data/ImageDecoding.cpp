#include "ImageDecoding.h"

#include "profiler/ProfileError.h"

#include <QFileInfo>
#include <QImageReader>

namespace memoscope {

bool isImageFileName(const QString& fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    return suffix == QLatin1String("png") || suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg")
        || suffix == QLatin1String("bmp");
}

QImage loadImage(const QString& path)
{
    QImageReader reader(path);
    // PIL, and so torchvision's ImageFolder, ignores EXIF orientation; so do we, to feed the same pixels.
    reader.setAutoTransform(false);
    QImage image = reader.read();
    if (image.isNull())
        throw ProfileError(ExitBadInput,
            QStringLiteral("cannot decode the image %1 (%2); remove it or convert it to PNG or JPEG")
                .arg(path, reader.errorString()));
    return image;
}

void imageToFloats(const QImage& image, const ImageLayout& layout, float* out)
{
    // RGB32 drops alpha without premultiplying (as PIL's convert("RGB") does) and gives one QRgb per pixel.
    QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    if (rgb.width() != layout.width || rgb.height() != layout.height)
        rgb = rgb.scaled(layout.width, layout.height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    if (rgb.width() != layout.width || rgb.height() != layout.height) // a null image: QImage could not allocate it
        throw ProfileError(ExitBadInput,
            QStringLiteral("cannot resize a %1x%2 image to %3x%4; give a smaller input size")
                .arg(image.width())
                .arg(image.height())
                .arg(layout.width)
                .arg(layout.height));

    // torchvision's ImageNet statistics; a grayscale channel takes their averages.
    static const float rgbMean[3] = { 0.485f, 0.456f, 0.406f };
    static const float rgbStd[3] = { 0.229f, 0.224f, 0.225f };
    static const float grayMean = 0.449f;
    static const float grayStd = 0.226f;
    const qsizetype plane = qsizetype(layout.height) * layout.width;
    for (int y = 0; y < layout.height; ++y) {
        const QRgb* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
        for (int x = 0; x < layout.width; ++x) {
            const QRgb pixel = line[x];
            const qsizetype index = qsizetype(y) * layout.width + x;
            if (layout.channels == 1) {
                // PIL's convert("L") integer formula (ITU-R 601-2 luma), so gray values match torchvision's.
                const int gray = (qRed(pixel) * 19595 + qGreen(pixel) * 38470 + qBlue(pixel) * 7471 + 0x8000) >> 16;
                const float value = float(gray) / 255.0f;
                out[index] = layout.normalize ? (value - grayMean) / grayStd : value;
            } else {
                const int channels[3] = { qRed(pixel), qGreen(pixel), qBlue(pixel) };
                for (int c = 0; c < 3; ++c) {
                    const float value = float(channels[c]) / 255.0f;
                    out[c * plane + index] = layout.normalize ? (value - rgbMean[c]) / rgbStd[c] : value;
                }
            }
        }
    }
}

} // namespace memoscope
