#include "InputSuggestion.h"

#include "InputFactory.h"
#include "ProfileError.h"
#include "TorchModel.h"

#include <torch/csrc/jit/passes/inliner.h>
#include <torch/script.h>

#include <QElapsedTimer>
#include <unordered_set>

namespace memoscope {

namespace {
    using torch::jit::Node;
    using torch::jit::Value;
    using Shape = std::vector<int64_t>;

    // A guess for one tensor argument: shapes to try in order, and the dtype/range suffix they take.
    struct TensorGuess {
        std::vector<Shape> shapes;
        QString suffix; // ":int64:0..999" for token ids
    };

    // The value a graph value holds when it is known without running: a constant, or an attribute of the
    // module reached through prim::GetAttr (after inlining, every submodule is such a chain from `self`).
    c10::optional<c10::IValue> knownValue(Value* value, const torch::jit::Module& module)
    {
        if (value == value->owningGraph()->inputs().at(0))
            return c10::IValue(module._ivalue());
        Node* node = value->node();
        if (node->kind() == c10::prim::Constant)
            return torch::jit::toIValue(value);
        if (node->kind() != c10::prim::GetAttr)
            return c10::nullopt;
        const c10::optional<c10::IValue> owner = knownValue(node->input(0), module);
        const std::string name = node->s(c10::attr::name);
        if (!owner || !owner->isObject() || !owner->toObjectRef().type()->hasAttribute(name))
            return c10::nullopt;
        return owner->toObjectRef().getAttr(name);
    }

    at::Tensor firstTensor(const c10::IValue& value, int64_t dims)
    {
        for (const at::Tensor& tensor : tensorsInside(value))
            if (tensor.dim() == dims || (dims < 0 && tensor.dim() >= 2))
                return tensor;
        return {};
    }

    int64_t knownInt(Value* value, const torch::jit::Module& module, int64_t otherwise)
    {
        const c10::optional<c10::IValue> known = knownValue(value, module);
        return known && known->isInt() ? known->toInt() : otherwise;
    }

    bool ignoredUse(c10::Symbol kind)
    {
        static const std::unordered_set<std::string> looksOnly
            = { "aten::size", "aten::dim", "prim::shape", "aten::len", "prim::device", "prim::dtype", "aten::__is__",
                  "aten::__isnot__", "prim::isinstance", "aten::numel", "aten::is_floating_point", "prim::is_cuda",
                  "prim::RaiseException", "aten::format", "prim::layout" };
        return looksOnly.count(kind.toQualString()) > 0;
    }

    bool keepsShape(c10::Symbol kind)
    {
        static const std::unordered_set<std::string> same = { "aten::to", "aten::contiguous", "aten::float",
            "aten::type_as", "aten::div", "aten::mul", "aten::add", "aten::sub", "aten::relu", "aten::clone",
            "aten::detach", "prim::unchecked_cast", "aten::sigmoid", "aten::tanh", "aten::dropout", "aten::clamp",
            "aten::div_", "aten::mul_", "aten::add_", "aten::sub_" };
        return same.count(kind.toQualString()) > 0;
    }

    Node* firstUse(Value* value)
    {
        Node* first = nullptr;
        for (const torch::jit::Use& use : value->uses())
            if (!ignoredUse(use.user->kind()) && (!first || use.user->isBefore(first)))
                first = use.user;
        return first;
    }

    // What the op that consumes the input first says about its shape.
    TensorGuess guessFromConsumer(Node* node, size_t inputIndex, const torch::jit::Module& module)
    {
        const std::string kind = node->kind().toQualString();
        auto weightOf = [&](size_t index, int64_t dims = -1) {
            const c10::optional<c10::IValue> known = knownValue(node->input(index), module);
            return known ? firstTensor(*known, dims) : at::Tensor();
        };
        TensorGuess guess;
        if (kind == "aten::embedding" && inputIndex == 1) {
            if (const at::Tensor table = weightOf(0, 2); table.defined()) {
                guess.shapes = { { 1, 16 } };
                guess.suffix = QStringLiteral(":int64:0..%1").arg(table.size(0) - 1);
            }
        } else if (kind.rfind("aten::conv", 0) == 0 || kind == "aten::_convolution"
            || kind == "prepacked::conv2d_clamp_run") {
            const bool packed = kind == "prepacked::conv2d_clamp_run";
            const at::Tensor weight = weightOf(1);
            const bool transposed = kind.find("transpose") != std::string::npos;
            const size_t groupsAt = kind == "aten::_convolution" || kind == "aten::convolution" ? 8 : 6;
            const int64_t groups
                = packed || node->inputs().size() <= groupsAt ? 1 : knownInt(node->input(groupsAt), module, 1);
            if (weight.defined() && weight.dim() >= 3) {
                const int64_t channels = transposed ? weight.size(0) : weight.size(1) * std::max<int64_t>(groups, 1);
                const int64_t spatial = weight.dim() - 2;
                guess.shapes = spatial == 1 ? std::vector<Shape> { { 1, channels, 1024 } }
                    : spatial == 2          ? std::vector<Shape> { { 1, channels, 224, 224 }, { 1, channels, 64, 64 } }
                                            : std::vector<Shape> { { 1, channels, 16, 112, 112 } };
            }
        } else if (kind == "aten::linear" || kind == "prepacked::linear_clamp_run"
            || kind == "quantized::linear_dynamic") {
            if (const at::Tensor weight = weightOf(1, 2); weight.defined())
                guess.shapes = { { 1, weight.size(1) }, { 1, 16, weight.size(1) } };
        } else if (kind == "aten::lstm" || kind == "aten::gru" || kind == "aten::rnn_tanh"
            || kind == "aten::rnn_relu") {
            if (const at::Tensor weight = weightOf(2, 2); weight.defined())
                guess.shapes = { { 1, 16, weight.size(1) } };
        } else if (kind == "aten::layer_norm") {
            const c10::optional<c10::IValue> shape = knownValue(node->input(1), module);
            if (shape && shape->isIntList()) {
                Shape full { 1, 16 };
                for (int64_t size : shape->toIntVector())
                    full.push_back(size);
                guess.shapes = { full };
            }
        } else if (kind == "aten::batch_norm" || kind == "aten::group_norm" || kind == "aten::instance_norm") {
            if (const at::Tensor weight = weightOf(kind == "aten::group_norm" ? 2 : 1, 1); weight.defined())
                guess.shapes = { { 1, weight.size(0), 32, 32 }, { 2, weight.size(0) } };
        }
        return guess;
    }

    // Follows the input through ops that keep its shape (or add a dimension) to the first op that reveals it.
    TensorGuess guessTensor(Value* input, const torch::jit::Module& module)
    {
        std::vector<int64_t> unsqueezed; // dims added on the way, undone on the guess
        Value* value = input;
        for (int step = 0; step < 12; ++step) {
            Node* user = firstUse(value);
            if (!user)
                break;
            if (keepsShape(user->kind()) && user->input(0) == value && user->outputs().size() == 1) {
                value = user->output();
                continue;
            }
            if (user->kind() == c10::aten::unsqueeze && user->input(0) == value) {
                unsqueezed.push_back(knownInt(user->input(1), module, 0));
                value = user->output();
                continue;
            }
            size_t index = 0;
            while (index < user->inputs().size() && user->input(index) != value)
                ++index;
            TensorGuess guess = guessFromConsumer(user, index, module);
            for (auto dim = unsqueezed.rbegin(); dim != unsqueezed.rend(); ++dim)
                for (Shape& shape : guess.shapes) {
                    const int64_t at = *dim < 0 ? *dim + int64_t(shape.size()) : *dim;
                    if (at >= 0 && at < int64_t(shape.size()) && shape.size() > 1)
                        shape.erase(shape.begin() + at);
                }
            return guess;
        }
        return {};
    }

    QString specOf(const Shape& shape, const QString& suffix)
    {
        QStringList sizes;
        for (int64_t size : shape)
            sizes << QString::number(size);
        return sizes.join(QLatin1Char('x')) + suffix;
    }

    // Runs forward once on the specs, in inference; returns the error, empty when it ran.
    QString tryInputs(const torch::jit::Module& module, const QStringList& specs, qint64* elapsedMs)
    {
        try {
            InputFactory inputs(specs, QString());
            inputs.bindTo(module);
            torch::jit::Module copy = module;
            copy.eval();
            at::NoGradGuard noGrad;
            QElapsedTimer timer;
            timer.start();
            copy.forward(inputs.makeInputs());
            *elapsedMs = timer.elapsed();
            return QString();
        } catch (const ProfileError& error) {
            return error.message();
        } catch (const std::exception& error) {
            return shortTorchMessage(error);
        }
    }
}

InputSuggestion suggestInputs(const torch::jit::Module& module)
{
    const ModelSignature signature = forwardSignature(module);
    std::shared_ptr<torch::jit::Graph> graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    std::vector<std::vector<QString>> candidates; // per argument given
    QStringList guessedValues;
    for (int i = 0; i < signature.requiredCount(); ++i) {
        const ArgumentType& type = signature.arguments[i].type;
        if (type.kind == ArgumentType::Kind::Tensor) {
            const TensorGuess guess = guessTensor(graph->inputs().at(size_t(i) + 1), module);
            std::vector<QString> specs;
            for (const Shape& shape : guess.shapes)
                specs.push_back(specOf(shape, guess.suffix));
            candidates.push_back(specs.empty() ? std::vector<QString> { QStringLiteral("SHAPE") } : specs);
        } else if (type.kind == ArgumentType::Kind::List && type.elements.first().kind == ArgumentType::Kind::Tensor) {
            candidates.push_back({ QStringLiteral("[3x224x224]") }); // one image per entry, as detectors take
        } else if (!defaultSpecFor(type).isEmpty()) {
            candidates.push_back({ defaultSpecFor(type) });
            guessedValues << signature.arguments[i].name;
        } else {
            candidates.push_back({ QStringLiteral("SHAPE") });
        }
    }
    InputSuggestion suggestion;
    size_t attempts = 1;
    for (const auto& options : candidates)
        attempts = std::max(attempts, options.size());
    QString lastError;
    for (size_t attempt = 0; attempt < attempts; ++attempt) {
        QStringList specs;
        for (const auto& options : candidates)
            specs << options[std::min(attempt, options.size() - 1)];
        if (attempt == 0)
            suggestion.specs = specs;
        if (specs.contains(QStringLiteral("SHAPE")))
            break;
        qint64 elapsedMs = 0;
        lastError = tryInputs(module, specs, &elapsedMs);
        if (lastError.isEmpty()) {
            suggestion.specs = specs;
            suggestion.checked = true;
            suggestion.note = QStringLiteral("checked: forward ran once on these inputs (batch 1, inference) in %1 ms; "
                                             "set the batch size you mean to profile")
                                  .arg(elapsedMs);
            break;
        }
    }
    if (!suggestion.checked) {
        QStringList unknown;
        if (suggestion.specs.contains(QStringLiteral("SHAPE")))
            unknown << QStringLiteral("SHAPE stands for a shape the model's weights do not tell");
        if (!guessedValues.isEmpty())
            unknown
                << QStringLiteral("the values of %1 are placeholders").arg(guessedValues.join(QStringLiteral(", ")));
        if (!lastError.isEmpty())
            unknown << QStringLiteral("forward failed on the guess: %1").arg(lastError);
        suggestion.note = QStringLiteral("not checked: %1").arg(unknown.join(QStringLiteral("; ")));
    }
    return suggestion;
}

} // namespace memoscope
