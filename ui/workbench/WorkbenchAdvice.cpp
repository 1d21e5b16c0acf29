#include "WorkbenchAdvice.h"

namespace memoscope {

WorkbenchAdvice::WorkbenchAdvice(const LoadedRun& loaded)
    : m_run(loaded.run)
{
    if (loaded.timeline)
        m_run.trace = loaded.timeline->trace();
    m_advisor = std::make_unique<Advisor>(m_run);
    m_advice = m_advisor->advice();
}

std::optional<qint64> WorkbenchAdvice::predictedPeakBytes(const WorkbenchSettings& settings) const
{
    const std::optional<Plan> plan = planOf(settings);
    if (!plan)
        return std::nullopt;
    return m_advisor->simulator().predict(*plan).peakBytes;
}

std::optional<Plan> planOf(const WorkbenchSettings& settings)
{
    Plan plan;
    plan.pruneRatio = settings.structuredRatio;
    const bool lowerFloat = settings.precision != WorkbenchSettings::Precision::Float32;
    const bool int8 = settings.quantization != WorkbenchSettings::Quantization::None;
    if (lowerFloat && int8)
        return std::nullopt;
    switch (settings.precision) {
    case WorkbenchSettings::Precision::BFloat16:
        plan.precision = Precision::Bf16;
        break;
    case WorkbenchSettings::Precision::Float16:
        plan.precision = Precision::Fp16;
        break;
    case WorkbenchSettings::Precision::Float32:
        break;
    }
    switch (settings.quantization) {
    case WorkbenchSettings::Quantization::Dynamic:
        plan.precision = Precision::Int8Dynamic;
        break;
    case WorkbenchSettings::Quantization::Static:
        plan.precision = Precision::Int8Static;
        break;
    case WorkbenchSettings::Quantization::WeightOnly:
        plan.precision = Precision::Int8WeightOnly;
        break;
    case WorkbenchSettings::Quantization::None:
        break;
    }
    return plan;
}

} // namespace memoscope
