#pragma once
// Turning an image file into the floats a vision model takes: channel-major [C, H, W], RGB or grayscale,
// resized, optionally normalized as torchvision's ImageNet models expect. Qt only, no LibTorch.

#include <QImage>
#include <QString>

namespace memoscope {

struct ImageLayout {
    int channels = 3; // 3: RGB, 1: grayscale
    int height = 0;
    int width = 0;
    bool normalize = true; // scale to [0,1], then subtract the ImageNet mean and divide by its std
};

bool isImageFileName(const QString& fileName); // PNG, JPEG, BMP by extension

// Throws ProfileError(ExitBadInput) naming the file when it cannot be decoded.
QImage loadImage(const QString& path);

// Writes layout.channels * height * width floats to out.
void imageToFloats(const QImage& image, const ImageLayout& layout, float* out);

} // namespace memoscope
