#include "Fidelity.h"

#include "ProfileError.h"
#include "data/Dataset.h"
#include "data/SampleShape.h"

#include <torch/script.h>

#include <cmath>
#include <limits>

namespace memoscope {

namespace {
    constexpr double notANumber = std::numeric_limits<double>::quiet_NaN();

    // Eval mode for the duration of a check, then every module's own flag back (a model may mix them).
    class EvalModeGuard {
    public:
        explicit EvalModeGuard(torch::jit::Module& model)
        {
            for (torch::jit::Module module : model.modules())
                if (module.hasattr("training"))
                    m_flags.emplace_back(module, module.is_training());
            model.eval();
        }
        ~EvalModeGuard()
        {
            for (auto& [module, training] : m_flags)
                module.setattr("training", training);
        }
        EvalModeGuard(const EvalModeGuard&) = delete;
        EvalModeGuard& operator=(const EvalModeGuard&) = delete;

    private:
        std::vector<std::pair<torch::jit::Module, bool>> m_flags;
    };

    c10::IValue run(torch::jit::Module& model, std::vector<c10::IValue> inputs, ExitCode code, const QString& what)
    {
        try {
            return model.forward(std::move(inputs));
        } catch (const std::exception& error) {
            throw ProfileError(code, QStringLiteral("%1: %2").arg(what, shortTorchMessage(error)));
        }
    }

    at::Tensor asDouble(const at::Tensor& tensor)
    {
        const at::Tensor plain = tensor.is_quantized() ? tensor.dequantize() : tensor;
        return plain.detach().to(at::kCPU, at::kDouble);
    }

    QString shapeOf(const at::Tensor& tensor) { return shapeText(tensor.sizes().vec()); }
}

at::Tensor firstFloatingTensor(const c10::IValue& output)
{
    if (output.isTensor()) {
        const at::Tensor& tensor = output.toTensor();
        if (!tensor.defined())
            return {};
        if (tensor.is_quantized())
            return tensor.dequantize();
        return tensor.is_floating_point() ? tensor : at::Tensor();
    }
    std::vector<c10::IValue> elements;
    if (output.isTuple())
        elements = output.toTupleRef().elements().vec();
    else if (output.isList())
        elements = output.toListRef().vec();
    else if (output.isGenericDict())
        for (const auto& entry : output.toGenericDict())
            elements.push_back(entry.value());
    for (const c10::IValue& element : elements) {
        at::Tensor tensor = firstFloatingTensor(element);
        if (tensor.defined())
            return tensor;
    }
    return {};
}

void OutputComparison::add(const at::Tensor& reference, const at::Tensor& candidate)
{
    if (reference.sizes() != candidate.sizes())
        throw ProfileError(ExitBadInput,
            QStringLiteral("the optimized model's output has shape %1 but the original's has %2; an optimization "
                           "must keep the output's shape")
                .arg(shapeOf(candidate), shapeOf(reference)));
    const at::Tensor a = asDouble(reference);
    const at::Tensor b = asDouble(candidate);
    m_samples += a.dim() >= 1 ? a.size(0) : 1;
    if (a.numel() == 0)
        return;
    const at::Tensor difference = (a - b).abs();
    const double batchMax = difference.max().item<double>(); // NaN when any element is
    if (std::isnan(batchMax) || batchMax > m_maxAbsError) // once NaN, stays NaN
        m_maxAbsError = batchMax;
    m_sumAbsDifference += difference.sum().item<double>();
    m_sumAbsReference += a.abs().sum().item<double>();
    m_dot += (a * b).sum().item<double>();
    m_referenceSquares += (a * a).sum().item<double>();
    m_candidateSquares += (b * b).sum().item<double>();
    if (a.dim() < 1 || a.size(-1) < 2) {
        m_top1Defined = false;
        return;
    }
    m_rows += a.numel() / a.size(-1);
    m_agreeingRows += a.argmax(-1).eq(b.argmax(-1)).sum().item<int64_t>();
}

void OutputComparison::add(const c10::IValue& reference, const c10::IValue& candidate)
{
    const at::Tensor a = firstFloatingTensor(reference);
    const at::Tensor b = firstFloatingTensor(candidate);
    if (!a.defined() || !b.defined())
        throw ProfileError(ExitBadInput,
            QStringLiteral("the %1 model's output holds no floating-point tensor to compare")
                .arg(a.defined() ? QStringLiteral("optimized") : QStringLiteral("original")));
    add(a, b);
}

FidelityReport OutputComparison::report() const
{
    FidelityReport report;
    report.samples = m_samples;
    report.maxAbsError = m_maxAbsError;
    if (m_sumAbsReference > 0)
        report.meanRelativeError = m_sumAbsDifference / m_sumAbsReference; // both means have the same count
    else
        report.meanRelativeError = m_sumAbsDifference == 0 ? 0 : std::numeric_limits<double>::infinity();
    const double norms = std::sqrt(m_referenceSquares) * std::sqrt(m_candidateSquares);
    if (norms > 0)
        report.cosine = m_dot / norms;
    else if (std::isnan(norms))
        report.cosine = notANumber;
    else // one or both outputs are all zeros: alike only when both are
        report.cosine = m_referenceSquares == m_candidateSquares ? 1 : 0;
    report.top1Agreement = m_top1Defined && m_rows > 0 ? double(m_agreeingRows) / double(m_rows) : notANumber;
    return report;
}

double accuracy(torch::jit::Module& model, Dataset& data, int64_t batchSize)
{
    if (!data.labelled())
        throw ProfileError(ExitBadInput,
            QStringLiteral("data set %1 has no labels, so accuracy cannot be measured; give a labelled data set (a "
                           "CSV with a label column, an image folder with one sub-folder per class, or a tensor "
                           "file holding (inputs, labels))")
                .arg(data.name()));
    EvalModeGuard evalMode(model);
    torch::NoGradGuard noGrad;
    batchSize = std::max<int64_t>(1, batchSize);
    qint64 correct = 0;
    for (qint64 first = 0; first < data.size(); first += batchSize) {
        const DataBatch batch = data.batch(first, batchSize);
        const c10::IValue output = run(model, { batch.inputs }, ExitBadInput,
            QStringLiteral("the model failed on data set %1 (inputs of shape %2)")
                .arg(data.name(), shapeOf(batch.inputs)));
        const at::Tensor scores = firstFloatingTensor(output);
        if (!scores.defined() || scores.dim() != 2 || scores.size(0) != batch.size())
            throw ProfileError(ExitBadInput,
                QStringLiteral("the model's output %1 is not one row of class scores per sample ([%2, classes]), "
                               "so its accuracy on data set %3 cannot be measured")
                    .arg(scores.defined() ? QStringLiteral("of shape ") + shapeOf(scores) : QStringLiteral("(none)"))
                    .arg(batch.size())
                    .arg(data.name()));
        if (scores.size(1) < data.classCount())
            throw ProfileError(ExitBadInput,
                QStringLiteral("data set %1 has %2 classes but the model scores only %3; use the data set the model "
                               "was made for")
                    .arg(data.name())
                    .arg(data.classCount())
                    .arg(scores.size(1)));
        correct += scores.argmax(-1).eq(batch.labels).sum().item<int64_t>();
    }
    return data.size() > 0 ? double(correct) / double(data.size()) : notANumber;
}

FidelityReport compareModels(torch::jit::Module& original, torch::jit::Module& candidate,
    const std::function<std::vector<c10::IValue>()>& makeInputs, int batches, Dataset* labelled, int64_t batchSize)
{
    OutputComparison comparison;
    {
        EvalModeGuard originalMode(original);
        EvalModeGuard candidateMode(candidate);
        torch::NoGradGuard noGrad;
        for (int index = 0; index < batches; ++index) {
            std::vector<c10::IValue> inputs = makeInputs();
            std::vector<c10::IValue> copies;
            for (const c10::IValue& input : inputs)
                copies.push_back(input.deepcopy());
            const c10::IValue reference
                = run(original, std::move(copies), ExitBadInput, QStringLiteral("the original model failed"));
            const c10::IValue output = run(candidate, std::move(inputs), ExitModelFailed,
                QStringLiteral("the optimized model failed on inputs the original accepts"));
            comparison.add(reference, output);
        }
    }
    FidelityReport report = comparison.report();
    if (labelled) {
        report.accuracyBefore = accuracy(original, *labelled, batchSize);
        report.accuracyAfter = accuracy(candidate, *labelled, batchSize);
    }
    return report;
}

std::function<std::vector<c10::IValue>()> datasetInputs(Dataset& data, int64_t batchSize)
{
    if (data.size() == 0)
        throw ProfileError(ExitBadInput, QStringLiteral("data set %1 has no samples").arg(data.name()));
    batchSize = std::max<int64_t>(1, batchSize);
    return [&data, batchSize, next = qint64(0)]() mutable {
        if (next >= data.size())
            next = 0;
        DataBatch batch = data.batch(next, batchSize);
        next += batch.size();
        return std::vector<c10::IValue> { std::move(batch.inputs) };
    };
}

} // namespace memoscope
