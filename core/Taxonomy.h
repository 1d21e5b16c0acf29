#pragma once
// The two axes every byte is filed under: the phase of the training or inference step in which it was
// allocated, and the kind of tensor it holds. Their integer values are stored in the database: append only.

#include <QString>
#include <array>
#include <optional>

namespace memoscope {

enum class Phase : quint8 {
    Setup = 0, // memory that existed before the measured iterations: parameters, buffers, optimizer state
    Input = 1,
    Forward = 2,
    Loss = 3,
    Backward = 4,
    Optimizer = 5,
};
constexpr int PhaseCount = 6;

enum class Category : quint8 {
    Parameter = 0, // parameters and buffers (BatchNorm running statistics, for example)
    Gradient = 1,
    Activation = 2, // training: kept for backward; inference: a layer output that outlived the op making it
    OptimizerState = 3,
    Input = 4,
    Output = 5,
    Temporary = 6,
    Data = 7, // a data set the run reads: held whole in memory, or the batches streamed from disk
};
constexpr int CategoryCount = 8;

QString phaseName(Phase phase);
QString categoryName(Category category);
std::optional<Phase> phaseFromName(const QString& name);
std::optional<Category> categoryFromName(const QString& name);

// A display name for people ("optimizer state" rather than "optimizer_state").
QString categoryLabel(Category category);

constexpr std::array<Category, CategoryCount> allCategories()
{
    return { Category::Parameter, Category::Gradient, Category::Activation, Category::OptimizerState, Category::Input,
        Category::Output, Category::Temporary, Category::Data };
}

constexpr std::array<Phase, PhaseCount> allPhases()
{
    return { Phase::Setup, Phase::Input, Phase::Forward, Phase::Loss, Phase::Backward, Phase::Optimizer };
}

} // namespace memoscope
