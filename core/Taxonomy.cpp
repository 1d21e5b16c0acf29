#include "Taxonomy.h"

namespace memoscope {

QString phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Setup:
        return QStringLiteral("setup");
    case Phase::Input:
        return QStringLiteral("input");
    case Phase::Forward:
        return QStringLiteral("forward");
    case Phase::Loss:
        return QStringLiteral("loss");
    case Phase::Backward:
        return QStringLiteral("backward");
    case Phase::Optimizer:
        return QStringLiteral("optimizer");
    }
    return QStringLiteral("unknown");
}

QString categoryName(Category category)
{
    switch (category) {
    case Category::Parameter:
        return QStringLiteral("parameter");
    case Category::Gradient:
        return QStringLiteral("gradient");
    case Category::Activation:
        return QStringLiteral("activation");
    case Category::OptimizerState:
        return QStringLiteral("optimizer_state");
    case Category::Input:
        return QStringLiteral("input");
    case Category::Output:
        return QStringLiteral("output");
    case Category::Temporary:
        return QStringLiteral("temporary");
    case Category::Data:
        return QStringLiteral("data");
    }
    return QStringLiteral("unknown");
}

QString categoryLabel(Category category)
{
    return categoryName(category).replace(QLatin1Char('_'), QLatin1Char(' '));
}

std::optional<Phase> phaseFromName(const QString& name)
{
    for (Phase phase : allPhases())
        if (phaseName(phase) == name)
            return phase;
    return std::nullopt;
}

std::optional<Category> categoryFromName(const QString& name)
{
    for (Category category : allCategories())
        if (categoryName(category) == name)
            return category;
    return std::nullopt;
}

} // namespace memoscope
