#include "InPython.h"

#include "profiler/TorchModel.h"
#include "support/TestSupport.h"

#include <torch/torch.h>

#include <QFile>
#include <QFileInfo>
#include <QJsonObject>

namespace memoscope::test {

at::Tensor runModel(torch::jit::Module& model, const std::vector<c10::IValue>& inputs)
{
    torch::NoGradGuard noGrad;
    model.eval();
    const c10::IValue out = model.forward(inputs);
    return out.isTuple() ? out.toTupleRef().elements()[0].toTensor() : out.toTensor();
}

PythonRun runInPython(const QString& modelPath, const std::vector<c10::IValue>& inputs, const QString& folder)
{
    torch::jit::Module model = TorchModel::load(modelPath).module;
    const at::Tensor expected = runModel(model, inputs);
    const QString stem = folder + QLatin1Char('/') + QFileInfo(modelPath).completeBaseName();
    const QString inputsPath = stem + QStringLiteral("-in.pt");
    const QString expectedPath = stem + QStringLiteral("-out.pt");
    auto write = [](const QString& path, const c10::IValue& value) {
        const std::vector<char> bytes = torch::pickle_save(value);
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(bytes.data(), qint64(bytes.size())) == qint64(bytes.size());
    };
    if (!write(inputsPath, c10::ivalue::Tuple::create(inputs)) || !write(expectedPath, expected))
        return {};
    const QJsonObject python
        = runPythonJson(QStringLiteral("run_in_python.py"), { modelPath, inputsPath, expectedPath });
    return PythonRun { python.value(QStringLiteral("max_abs_diff")).toDouble(-1),
        qint64(python.value(QStringLiteral("parameter_bytes")).toDouble(-1)),
        qint64(python.value(QStringLiteral("buffer_bytes")).toDouble(-1)), expected.abs().max().item<double>() };
}

} // namespace memoscope::test
