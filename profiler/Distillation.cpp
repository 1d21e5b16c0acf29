#include "Distillation.h"

#include "Fidelity.h"
#include "ProfileError.h"
#include "data/Dataset.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace memoscope {

namespace {
    at::Tensor logitsOf(torch::jit::Module& model, const at::Tensor& inputs)
    {
        return firstFloatingTensor(model.forward({ inputs })).to(at::kFloat);
    }

    // KL(teacher || student) at temperature T, scaled by T^2 so its gradients keep their size as T changes.
    at::Tensor distillationLoss(const at::Tensor& student, const at::Tensor& teacher, double temperature)
    {
        const int64_t classes = student.size(-1);
        const at::Tensor s = torch::log_softmax(student.reshape({ -1, classes }) / temperature, -1);
        const at::Tensor t = torch::softmax(teacher.reshape({ -1, classes }) / temperature, -1);
        return torch::kl_div(s, t, at::Reduction::Mean).mul(double(classes)) * temperature * temperature;
    }

    std::vector<at::Tensor> trainableParameters(torch::jit::Module& student)
    {
        std::vector<at::Tensor> parameters;
        for (const at::Tensor& parameter : student.parameters())
            if (parameter.is_floating_point()) {
                parameter.requires_grad_(true);
                parameters.push_back(parameter);
            }
        return parameters;
    }

    // Parameter and buffer values, to keep the best epoch's student.
    std::vector<at::Tensor> snapshot(torch::jit::Module& module)
    {
        std::vector<at::Tensor> values;
        for (const at::Tensor& t : module.parameters())
            values.push_back(t.detach().clone());
        for (const at::Tensor& t : module.buffers())
            values.push_back(t.detach().clone());
        return values;
    }

    void restore(torch::jit::Module& module, const std::vector<at::Tensor>& values)
    {
        torch::NoGradGuard noGrad;
        size_t i = 0;
        for (at::Tensor t : module.parameters())
            t.copy_(values[i++]);
        for (at::Tensor t : module.buffers())
            t.copy_(values[i++]);
    }

    // While alive, the rounded weights hold their rounded values; their own values come back on destruction.
    class RoundedView {
    public:
        explicit RoundedView(const RoundedWeights& rounded)
            : m_rounded(rounded)
        {
            torch::NoGradGuard noGrad;
            for (const RoundedWeight& rounded : m_rounded) {
                m_own.push_back(rounded.weight.detach().clone());
                rounded.weight.detach().copy_(rounded.round(m_own.back()));
            }
        }
        ~RoundedView()
        {
            torch::NoGradGuard noGrad;
            for (size_t i = 0; i < m_own.size(); ++i)
                m_rounded[i].weight.detach().copy_(m_own[i]);
        }
        RoundedView(const RoundedView&) = delete;
        RoundedView& operator=(const RoundedView&) = delete;

    private:
        const RoundedWeights& m_rounded;
        std::vector<at::Tensor> m_own;
    };

    double heldOutScore(torch::jit::Module& teacher, torch::jit::Module& student, Dataset& data,
        const DistillSettings& settings, const RoundedWeights& rounded)
    {
        const RoundedView view(rounded);
        if (data.labelled())
            return accuracy(student, data, settings.batchSize);
        torch::NoGradGuard noGrad;
        student.eval();
        double loss = 0;
        qint64 batches = 0;
        for (qint64 first = 0; first < data.size(); first += settings.batchSize, ++batches) {
            const DataBatch batch = data.batch(first, settings.batchSize);
            loss += distillationLoss(
                logitsOf(student, batch.inputs), logitsOf(teacher, batch.inputs), settings.temperature)
                        .item<double>();
        }
        return batches ? -loss / double(batches) : 0;
    }

    // Refuses a student whose outputs cannot be compared with the teacher's before spending any time.
    void checkStudentMatches(
        torch::jit::Module& teacher, torch::jit::Module& student, Dataset& train, const DistillSettings& settings)
    {
        torch::NoGradGuard noGrad;
        student.eval();
        const DataBatch probe = train.batch(0, std::min<int64_t>(settings.batchSize, train.size()));
        const at::Tensor s = logitsOf(student, probe.inputs);
        const at::Tensor t = logitsOf(teacher, probe.inputs);
        if (!s.defined() || s.sizes() != t.sizes())
            throw ProfileError(ExitBadInput,
                QStringLiteral(
                    "the student's output has shape %1 but the teacher's has %2: a student must give outputs "
                    "of the teacher's shape")
                    .arg(QString::fromStdString(s.defined() ? c10::str(s.sizes()) : std::string("none")),
                        QString::fromStdString(c10::str(t.sizes()))));
    }

    std::unique_ptr<torch::optim::Optimizer> makeOptimizer(
        const std::vector<at::Tensor>& parameters, const DistillSettings& settings)
    {
        if (settings.optimizer == OptimizerKind::Adam)
            return std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(settings.learningRate));
        return std::make_unique<torch::optim::SGD>(
            parameters, torch::optim::SGDOptions(settings.learningRate).momentum(0.9));
    }

    // One optimizer step on one batch; returns its loss.
    double trainOnBatch(torch::jit::Module& teacher, torch::jit::Module& student, const DataBatch& batch,
        torch::optim::Optimizer& optimizer, const DistillSettings& settings, const RoundedWeights& rounded)
    {
        at::Tensor teacherLogits;
        {
            torch::NoGradGuard noGrad;
            teacherLogits = logitsOf(teacher, batch.inputs);
        }
        optimizer.zero_grad();
        at::Tensor loss;
        {
            // Gradients computed at the rounded weights update the weights themselves (straight-through).
            const RoundedView view(rounded);
            const at::Tensor logits = logitsOf(student, batch.inputs);
            loss = distillationLoss(logits, teacherLogits, settings.temperature);
            if (batch.labels.defined())
                loss = settings.alpha
                        * torch::cross_entropy_loss(
                            logits.reshape({ -1, logits.size(-1) }), batch.labels.reshape({ -1 }))
                    + (1.0 - settings.alpha) * loss;
            if (!loss.requires_grad())
                throw ProfileError(ExitBadInput,
                    QStringLiteral("the student's output does not depend on any weight it can train (int8 layers "
                                   "are not trained): distill before quantizing, or right after it"));
            loss.backward();
        }
        optimizer.step();
        return loss.item<double>();
    }
}

DistillResult distill(torch::jit::Module& teacher, torch::jit::Module& student, Dataset& train, Dataset& heldOut,
    const DistillSettings& settings, const std::function<void(const DistillEpoch&)>& progress,
    const std::atomic<bool>* cancel, const RoundedWeights& rounded)
{
    const std::vector<at::Tensor> parameters = trainableParameters(student);
    if (parameters.empty())
        throw ProfileError(ExitBadInput,
            QStringLiteral("the student has no float weights to train (int8 weights are not trained): distill before "
                           "quantizing, e.g. --apply prune-structured=0.5 --distill DATA --apply int8-dynamic"));
    teacher.eval();
    checkStudentMatches(teacher, student, train, settings);
    const std::unique_ptr<torch::optim::Optimizer> optimizer = makeOptimizer(parameters, settings);

    DistillResult result;
    double best = heldOutScore(teacher, student, heldOut, settings, rounded);
    std::vector<at::Tensor> bestState = snapshot(student);
    int sinceBest = 0;
    std::mt19937 shuffle(0);
    const qint64 batches = (train.size() + settings.batchSize - 1) / settings.batchSize;
    for (int epoch = 1; epoch <= settings.epochs; ++epoch) {
        std::vector<qint64> order(static_cast<size_t>(batches), 0);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), shuffle);
        student.train();
        double total = 0;
        for (qint64 index : order) {
            if (cancel && cancel->load()) {
                result.cancelled = true;
                break;
            }
            const DataBatch batch = train.batch(index * settings.batchSize, settings.batchSize);
            total += trainOnBatch(teacher, student, batch, *optimizer, settings, rounded);
        }
        if (result.cancelled)
            break;
        DistillEpoch record { epoch, total / double(std::max<qint64>(1, batches)),
            heldOutScore(teacher, student, heldOut, settings, rounded) };
        result.epochs.push_back(record);
        if (progress)
            progress(record);
        if (record.heldOutScore > best) {
            best = record.heldOutScore;
            bestState = snapshot(student);
            result.bestEpoch = epoch;
            sinceBest = 0;
        } else if (++sinceBest >= settings.patience) {
            result.stoppedEarly = true;
            break;
        }
    }
    restore(student, bestState);
    student.eval();
    for (const at::Tensor& parameter : parameters)
        parameter.mutable_grad() = at::Tensor();
    return result;
}

} // namespace memoscope
