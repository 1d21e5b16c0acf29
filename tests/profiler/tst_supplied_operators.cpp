// The operators Memoscope supplies for PyTorch 2.x files (profiler/SuppliedOperators): archives written the way
// 2.x writes them (tests/fixtures/make_real_world.py) load, and their outputs and gradients match the same model
// written out by hand in Python; each argument of scaled_dot_product_attention does what 2.x documents.

#include "profiler/SuppliedOperators.h"
#include "profiler/TorchModel.h"
#include "support/TestSupport.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <QFile>
#include <QtTest>

using namespace memoscope;

namespace {
QString realWorld(const QString& name) { return QStringLiteral(MEMOSCOPE_REAL_WORLD_DIR "/") + name; }

std::vector<at::Tensor> readTuple(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    const c10::IValue value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    std::vector<at::Tensor> tensors;
    for (const c10::IValue& element : value.toTupleRef().elements())
        tensors.push_back(element.toTensor());
    return tensors;
}

using Attention = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&,
    double, bool, c10::optional<double>, bool);

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
    const c10::optional<at::Tensor>& mask, double dropout, bool causal, c10::optional<double> scale = c10::nullopt,
    bool gqa = false)
{
    static const auto op
        = c10::Dispatcher::singleton().findSchemaOrThrow("aten::scaled_dot_product_attention", "").typed<Attention>();
    return op.call(q, k, v, mask, dropout, causal, scale, gqa);
}

// Largest difference, relative to the reference's largest magnitude when that is above 1.
double difference(const at::Tensor& a, const at::Tensor& reference)
{
    const double scale = std::max(1.0, reference.abs().max().item<double>());
    return (a - reference).abs().max().item<double>() / scale;
}
}

class TestSuppliedOperators : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        supplyMissingOperators();
        // LibTorch 1.13 has none of them: all are Memoscope's.
        QCOMPARE(suppliedOperators(), suppliableOperators());
    }

    void matchesHandWrittenPython_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("causal") << "sdpa_causal";
        QTest::newRow("additive mask") << "sdpa_additive";
        QTest::newRow("boolean mask, scale, grouped-query heads") << "sdpa_scale";
    }
    void matchesHandWrittenPython()
    {
        QFETCH(QString, name);
        TorchModel model = TorchModel::load(realWorld(name + QStringLiteral(".pt")));
        QVERIFY(model.suppliedOperators.contains(QStringLiteral("aten::scaled_dot_product_attention")));
        QVERIFY(model.suppliedOperators.contains(QStringLiteral("aten::rms_norm")));
        const std::vector<at::Tensor> reference = readTuple(realWorld(name + QStringLiteral(".reference.pt")));
        QVERIFY(reference.size() > 3);
        const at::Tensor output = model.module.forward({ reference[0] }).toTensor();
        const double outputError = difference(output, reference[2]);
        QVERIFY2(outputError <= 1e-5, qPrintable(QString::number(outputError)));
        (output * reference[1]).sum().backward();
        size_t index = 3;
        for (const auto& parameter : model.module.named_parameters()) {
            QVERIFY(index < reference.size());
            const double gradientError = difference(parameter.value.grad(), reference[index++]);
            QVERIFY2(gradientError <= 1e-5,
                qPrintable(QStringLiteral("%1: %2").arg(QString::fromStdString(parameter.name)).arg(gradientError)));
        }
        QCOMPARE(index, reference.size());
    }

    void attentionArguments()
    {
        torch::manual_seed(0);
        const at::Tensor q = torch::randn({ 2, 4, 5, 8 });
        const at::Tensor k = torch::randn({ 2, 4, 6, 8 });
        const at::Tensor v = torch::randn({ 2, 4, 6, 8 });
        const at::Tensor plain = attention(q, k, v, c10::nullopt, 0.0, false);
        const at::Tensor byHand = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0), -1).matmul(v);
        QVERIFY(difference(plain, byHand) < 1e-6);
        // scale replaces 1/sqrt(d).
        const at::Tensor scaled = attention(q, k, v, c10::nullopt, 0.0, false, 0.5);
        QVERIFY(difference(scaled, torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * 0.5, -1).matmul(v)) < 1e-6);
        // A boolean mask keeps where true: the same as adding -inf where false.
        at::Tensor keep = torch::rand({ 5, 6 }) > 0.3;
        at::Tensor additive = torch::zeros({ 5, 6 }).masked_fill(keep.logical_not(), -INFINITY);
        keep.index_put_({ torch::indexing::Slice(), 0 }, true); // no row fully masked
        additive.index_put_({ torch::indexing::Slice(), 0 }, 0.0);
        QVERIFY(difference(attention(q, k, v, keep, 0.0, false), attention(q, k, v, additive, 0.0, false)) < 1e-6);
        // is_causal masks the upper triangle, top-left aligned.
        const at::Tensor causalMask = torch::ones({ 5, 6 }, torch::kBool).tril();
        QVERIFY(
            difference(attention(q, k, v, c10::nullopt, 0.0, true), attention(q, k, v, causalMask, 0.0, false)) < 1e-6);
        // ... and refuses an explicit mask beside it, as 2.x does.
        QVERIFY_THROWS_EXCEPTION(c10::Error, attention(q, k, v, causalMask, 0.0, true));
        // Dropout of every weight leaves nothing; of some, changes the result.
        QVERIFY(attention(q, k, v, c10::nullopt, 1.0, false).abs().max().item<double>() == 0.0);
        QVERIFY(difference(attention(q, k, v, c10::nullopt, 0.5, false), plain) > 1e-3);
        // Grouped-query attention: two key/value heads serve four query heads.
        const at::Tensor k2 = k.slice(1, 0, 2);
        const at::Tensor v2 = v.slice(1, 0, 2);
        const at::Tensor grouped = attention(q, k2, v2, c10::nullopt, 0.0, false, c10::nullopt, true);
        QVERIFY(difference(grouped,
                    attention(q, k2.repeat_interleave(2, 1), v2.repeat_interleave(2, 1), c10::nullopt, 0.0, false))
            < 1e-6);
        // Gradients flow to every input.
        const at::Tensor qg = q.clone().requires_grad_();
        attention(qg, k, v, c10::nullopt, 0.0, true).sum().backward();
        QVERIFY(qg.grad().defined() && qg.grad().abs().sum().item<double>() > 0);
    }

    void rmsNormAndNonzeroStatic()
    {
        const auto rms = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("aten::rms_norm", "")
                             .typed<at::Tensor(const at::Tensor&, at::IntArrayRef, const c10::optional<at::Tensor>&,
                                 c10::optional<double>)>();
        const at::Tensor x = torch::randn({ 3, 4, 6 });
        const at::Tensor weight = torch::randn({ 6 });
        const at::Tensor expected = x / torch::sqrt(x.pow(2).mean({ -1 }, true) + 1e-5) * weight;
        QVERIFY(difference(rms.call(x, { 6 }, weight, 1e-5), expected) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(c10::Error, rms.call(x, { 5 }, weight, 1e-5));

        const auto nonzero = c10::Dispatcher::singleton()
                                 .findSchemaOrThrow("aten::nonzero_static", "")
                                 .typed<at::Tensor(const at::Tensor&, int64_t, int64_t)>();
        const at::Tensor values = torch::tensor({ 0, 3, 0, 5, 7 });
        QVERIFY(torch::equal(nonzero.call(values, 5, -1).flatten(), torch::tensor({ 1, 3, 4, -1, -1 })));
        QVERIFY(torch::equal(nonzero.call(values, 2, -1).flatten(), torch::tensor({ 1, 3 })));
    }
};

QTEST_GUILESS_MAIN(TestSuppliedOperators)
#include "tst_supplied_operators.moc"
