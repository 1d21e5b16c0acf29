#include "StepRunner.h"

#include "core/MemoryGuard.h"

#include "AllocationRecorder.h"
#include "ProfileError.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

namespace memoscope {

void collectTensors(const torch::jit::IValue& value, std::vector<at::Tensor>* tensors)
{
    if (value.isTensor()) {
        tensors->push_back(value.toTensor());
    } else if (value.isTuple()) {
        for (const auto& element : value.toTupleRef().elements())
            collectTensors(element, tensors);
    } else if (value.isList()) {
        for (const auto& element : value.toListRef())
            collectTensors(element, tensors);
    } else if (value.isGenericDict()) {
        for (const auto& entry : value.toGenericDict())
            collectTensors(entry.value(), tensors);
    }
}

namespace {
    // What torch.autocast("cpu", dtype=torch.bfloat16) does on entry and exit. Leaving the outermost region
    // drops autocast's cache of low-precision weight copies: kept, the next step would compute with copies of
    // weights the optimizer has changed since.
    class Bf16Autocast {
    public:
        explicit Bf16Autocast(bool enabled)
            : m_enabled(enabled)
            , m_wasEnabled(at::autocast::is_cpu_enabled())
            , m_previousType(at::autocast::get_autocast_cpu_dtype())
        {
            if (!m_enabled)
                return;
            at::autocast::set_cpu_enabled(true);
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::increment_nesting();
        }
        ~Bf16Autocast()
        {
            if (!m_enabled)
                return;
            if (at::autocast::decrement_nesting() == 0)
                at::autocast::clear_cache();
            at::autocast::set_cpu_enabled(m_wasEnabled);
            at::autocast::set_autocast_cpu_dtype(m_previousType);
        }
        Bf16Autocast(const Bf16Autocast&) = delete;
        Bf16Autocast& operator=(const Bf16Autocast&) = delete;

    private:
        bool m_enabled;
        bool m_wasEnabled;
        at::ScalarType m_previousType;
    };

    // The first floating-point tensor of a model's output: what the loss is computed from.
    at::Tensor firstFloatingTensor(const torch::jit::IValue& output)
    {
        std::vector<at::Tensor> tensors;
        collectTensors(output, &tensors);
        for (const at::Tensor& tensor : tensors)
            if (tensor.is_floating_point())
                return tensor;
        return {};
    }

    std::vector<std::pair<void*, qint32>> storagesOf(const std::vector<OwnedTensor>& tensors)
    {
        std::vector<std::pair<void*, qint32>> storages;
        for (const OwnedTensor& owned : tensors)
            if (owned.tensor.defined())
                storages.emplace_back(storageAddress(owned.tensor), owned.layerId);
        return storages;
    }
}

StepRunner::StepRunner(TorchModel& model, const InputFactory* inputs, TrainingData* data, const RunConfig& config)
    : m_model(model)
    , m_inputs(inputs)
    , m_data(data)
    , m_config(config)
{
    m_model.module.train(training());
    if (!training())
        return;
    std::vector<at::Tensor> parameters;
    for (const OwnedTensor& owned : m_model.parameters)
        if (owned.tensor.requires_grad())
            parameters.push_back(owned.tensor);
    if (parameters.empty())
        throw ProfileError(ExitBadInput,
            QStringLiteral("the model has no trainable parameters, so --mode train has nothing to train; "
                           "use --mode inference"));
    if (m_config.optimizer == OptimizerKind::Adam)
        m_optimizer = std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(m_config.learningRate));
    else
        m_optimizer = std::make_unique<torch::optim::SGD>(
            parameters, torch::optim::SGDOptions(m_config.learningRate).momentum(0.9));
}

std::vector<OwnedTensor> StepRunner::optimizerState() const
{
    std::vector<OwnedTensor> state;
    if (!m_optimizer)
        return state;
    for (const auto& [key, paramState] : m_optimizer->state()) {
        const auto owner = m_model.layerOfParameter.find(key);
        const qint32 layer = owner == m_model.layerOfParameter.end() ? -1 : owner->second;
        if (const auto* sgd = dynamic_cast<const torch::optim::SGDParamState*>(paramState.get())) {
            state.push_back(OwnedTensor { sgd->momentum_buffer(), layer });
        } else if (const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(paramState.get())) {
            state.push_back(OwnedTensor { adam->exp_avg(), layer });
            state.push_back(OwnedTensor { adam->exp_avg_sq(), layer });
            state.push_back(OwnedTensor { adam->max_exp_avg_sq(), layer });
        }
    }
    return state;
}

QString StepRunner::describeInputs() const { return m_data ? m_data->description() : m_inputs->describe(); }

at::Tensor StepRunner::lossOf(const torch::jit::IValue& output, const at::Tensor& labels) const
{
    std::vector<at::Tensor> tensors;
    collectTensors(output, &tensors);
    std::vector<at::Tensor> floating;
    for (const at::Tensor& tensor : tensors)
        if (tensor.is_floating_point() && tensor.numel() > 0)
            floating.push_back(tensor);
    if (floating.empty())
        throw ProfileError(ExitBadInput,
            QStringLiteral("the model's output has no floating-point tensor to compute a training loss from"));
    // In float32 whatever precision forward ran in, as under autocast: a bfloat16 loss loses the small
    // differences its gradient is made of. Without labels, the mean over every floating-point element of the
    // output, whatever its structure (a tuple, a list, a dict of heads), so each head gets a gradient.
    if (!labels.defined()) {
        at::Tensor sum = floating.front().to(at::kFloat).sum();
        int64_t count = floating.front().numel();
        for (size_t i = 1; i < floating.size(); ++i) {
            sum = sum + floating[i].to(at::kFloat).sum();
            count += floating[i].numel();
        }
        return sum / double(count);
    }
    const at::Tensor logits = floating.front().to(at::kFloat);
    // Logits [N, C] with labels [N], or [N, T, C] with [N, T] (a language model): flatten all but the classes.
    if (logits.dim() != labels.dim() + 1 || logits.sizes().slice(0, labels.dim()) != labels.sizes())
        throw ProfileError(ExitBadInput,
            QStringLiteral("labels of shape %1 do not fit the model's output of shape %2: cross-entropy needs "
                           "labels shaped like the output without its last (class) dimension")
                .arg(QString::fromStdString(c10::str(labels.sizes())), QString::fromStdString(c10::str(logits.sizes()))));
    const int64_t classes = logits.size(-1);
    return at::cross_entropy_loss(logits.reshape({ -1, classes }), labels.reshape({ -1 }).to(at::kLong));
}

void StepRunner::runIteration(int iteration, AllocationRecorder* recorder)
{
    try {
        step(iteration, recorder);
        m_stepSucceeded = true;
        return;
    } catch (const ProfileError& error) {
        if (error.code() != ExitBadInput || !m_stepSucceeded)
            throw;
        throw ProfileError(ExitModelFailed, error.message());
    } catch (const std::exception& error) {
        if (AllocationRecorder::instance().hitMemoryLimit())
            throw ProfileError(ExitOutOfMemory, outOfMemoryMessage(m_config, phaseName(m_phase)));
        const QString reason = shortTorchMessage(error);
        if (!m_stepSucceeded && m_phase == Phase::Forward)
            throw ProfileError(ExitBadInput,
                QStringLiteral("the model's first forward pass failed with inputs %1: %2. Check that there is one "
                               "--input per model input, with the shape and type the model expects")
                    .arg(describeInputs(), reason));
        if (!m_stepSucceeded)
            throw ProfileError(ExitBadInput,
                QStringLiteral("the first %1 step failed: %2").arg(phaseName(m_phase), reason));
        throw ProfileError(ExitModelFailed,
            QStringLiteral("the model failed in iteration %1, %2 phase: %3")
                .arg(iteration + 1)
                .arg(phaseName(m_phase), reason));
    }
}

void StepRunner::step(int iteration, AllocationRecorder* recorder)
{
    auto enter = [&](Phase phase) {
        m_phase = phase;
        if (recorder)
            recorder->setPhase(phase, iteration);
    };
    // Everything this iteration makes is released when this scope ends, as a training loop would.
    {
        enter(Phase::Input);
        std::vector<torch::jit::IValue> inputs;
        at::Tensor labels;
        if (m_data) {
            DataBatch batch = m_data->next();
            if (recorder) {
                // The batch read is the data set's memory, not an input the tool made up.
                std::vector<std::pair<void*, qint32>> storages { { storageAddress(batch.inputs), -1 } };
                if (batch.labels.defined())
                    storages.emplace_back(storageAddress(batch.labels), -1);
                recorder->classifyLive(storages, Category::Data);
            }
            inputs.emplace_back(std::move(batch.inputs));
            if (training())
                labels = batch.labels;
        } else {
            inputs = m_inputs->makeInputs();
            if (training())
                labels = m_inputs->makeLabels();
        }

        enter(Phase::Forward);
        // The inputs stay referenced here during the step, as a Python training loop holds its batch.
        torch::jit::IValue output;
        const bool bf16 = m_config.amp == QLatin1String("bf16");
        if (training()) {
            const Bf16Autocast autocast(bf16);
            output = m_model.module.forward(inputs);
        } else {
            torch::NoGradGuard noGrad;
            const Bf16Autocast autocast(bf16);
            output = m_model.module.forward(inputs);
        }
        const at::Tensor computed = firstFloatingTensor(output);
        if (computed.defined())
            m_precision[int(Phase::Forward)] = dtypeName(computed.scalar_type());
        if (recorder) {
            std::vector<at::Tensor> outputs;
            collectTensors(output, &outputs);
            std::vector<std::pair<void*, qint32>> storages;
            for (const at::Tensor& tensor : outputs)
                storages.emplace_back(storageAddress(tensor), -1);
            recorder->classifyLive(storages, Category::Output);
        }

        if (training()) {
            enter(Phase::Loss);
            at::Tensor loss = lossOf(output, labels);
            m_precision[int(Phase::Loss)] = dtypeName(loss.scalar_type());
            if (recorder)
                recorder->classifyLive({ { storageAddress(loss), -1 } }, Category::Output);

            enter(Phase::Backward);
            if (recorder)
                recorder->markKeptForBackward();
            loss.backward();
            m_losses << loss.item<double>();
            // Autograd computes each op's gradient in the type its forward ran in: what forward's output was.
            if (computed.defined())
                m_precision[int(Phase::Backward)] = dtypeName(computed.scalar_type());
            if (recorder) {
                std::vector<OwnedTensor> gradients;
                for (const OwnedTensor& owned : m_model.parameters)
                    if (owned.tensor.grad().defined())
                        gradients.push_back(OwnedTensor { owned.tensor.grad(), owned.layerId });
                recorder->classifyLive(storagesOf(gradients), Category::Gradient);
            }

            enter(Phase::Optimizer);
            m_optimizer->step();
            m_precision[int(Phase::Optimizer)] = dtypeName(m_model.parameters.front().tensor.scalar_type());
            if (recorder)
                recorder->classifyLive(storagesOf(optimizerState()), Category::OptimizerState);
            // zero_grad(set_to_none=True): gradients are freed now and made afresh by the next backward.
            for (OwnedTensor& owned : m_model.parameters)
                owned.tensor.mutable_grad() = at::Tensor();
        }
    }
    if (recorder)
        recorder->endIteration(training());
}

} // namespace memoscope
