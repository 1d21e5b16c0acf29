#include "ChartColors.h"

#include <array>
#include <cmath>

namespace memoscope {

namespace {
    // Tableau 10 without its grey, which is kept for "(no layer)" and for temporary memory.
    constexpr std::array<QRgb, 9> tableau
        = { 0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F };
    constexpr QRgb grey = 0xBAB0AC;
}

QColor categoryColor(Category category)
{
    switch (category) {
    case Category::Parameter:
        return QColor(0x4E79A7); // blue: the steady base of every run
    case Category::Gradient:
        return QColor(0xF28E2B);
    case Category::Activation:
        return QColor(0xE15759); // red: usually what to act on first
    case Category::OptimizerState:
        return QColor(0xB07AA1);
    case Category::Input:
        return QColor(0x76B7B2);
    case Category::Output:
        return QColor(0x59A14F);
    case Category::Temporary:
        return QColor(grey);
    case Category::Data:
        return QColor(0x9C755F); // brown: what the data set costs, apart from the model's own memory
    }
    return QColor(grey);
}

QColor phaseColor(Phase phase)
{
    switch (phase) {
    case Phase::Setup:
        return QColor(0x8C8C8C);
    case Phase::Input:
        return QColor(0x76B7B2);
    case Phase::Forward:
        return QColor(0x4E79A7);
    case Phase::Loss:
        return QColor(0xEDC948);
    case Phase::Backward:
        return QColor(0xF28E2B);
    case Phase::Optimizer:
        return QColor(0xB07AA1);
    }
    return QColor(grey);
}

QColor phaseBandColor(Phase phase)
{
    // Light enough that a stacked area in the same hue stays distinct in front of it.
    QColor colour = phaseColor(phase).lighter(115);
    colour.setAlpha(phase == Phase::Loss ? 70 : 45);
    return colour;
}

QColor phaseTextColor(Phase phase) { return phaseColor(phase).darker(phase == Phase::Loss ? 190 : 150); }

QColor seriesColor(int index, int count)
{
    if (index < 0 || index >= count)
        return noLayerColor();
    if (index < int(tableau.size()))
        return QColor(tableau[size_t(index)]);
    // Golden-angle steps keep neighbours in a stack far apart in hue however many series there are.
    const int extra = index - int(tableau.size());
    const double hue = std::fmod(0.07 + extra * 0.381966, 1.0);
    const bool light = extra % 2 == 0;
    return QColor::fromHslF(float(hue), light ? 0.55f : 0.45f, light ? 0.68f : 0.42f);
}

QColor noLayerColor() { return QColor(grey); }

QColor stackColor(StackBy by, int series, int seriesCount)
{
    switch (by) {
    case StackBy::Layer:
        return seriesColor(series, seriesCount - 1);
    case StackBy::Category:
        return categoryColor(Category(series));
    case StackBy::Phase:
        return phaseColor(Phase(series));
    }
    return noLayerColor();
}

QColor peakColor() { return QColor(0xC0392B); }

} // namespace memoscope
