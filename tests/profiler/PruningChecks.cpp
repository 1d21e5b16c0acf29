#include "PruningChecks.h"

#include "profiler/transform/ChannelGraph.h"
#include "profiler/transform/OpTrace.h"
#include "profiler/transform/ScriptEditing.h"
#include "support/TestSupport.h"

#include <torch/torch.h>

#include <QFile>
#include <QFileInfo>

namespace memoscope::test {

void killHalfOfEachGroup(torch::jit::Module& model, const std::vector<c10::IValue>& inputs)
{
    c10::IValue output;
    const std::vector<TracedOp> ops = traceOps(model, inputs, &output);
    torch::NoGradGuard noGrad;
    for (const ChannelGroup& group : analyzeChannels(model, ops, output)) {
        if (!group.obstacle.empty())
            continue;
        const int64_t dead = group.size - std::max<int64_t>(1, group.size - group.size / 2);
        for (const ChannelSlice& slice : group.slices) {
            at::Tensor tensor = script::findModule(model, slice.layer)->attr(slice.tensor).toTensor();
            const double value = slice.tensor == "running_var" ? 1.0 : 0.0;
            for (int64_t c = 0; c < dead; ++c)
                tensor.narrow(slice.dim, slice.offset + c * slice.block, slice.block).fill_(value);
        }
    }
}

at::Tensor runModel(torch::jit::Module& model, const std::vector<c10::IValue>& inputs)
{
    torch::NoGradGuard noGrad;
    model.eval();
    const c10::IValue out = model.forward(inputs);
    return out.isTuple() ? out.toTupleRef().elements()[0].toTensor() : out.toTensor();
}

PythonRun runInPython(const QString& modelPath, const std::vector<c10::IValue>& inputs, const QString& folder)
{
    torch::jit::Module model = torch::jit::load(modelPath.toStdString());
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
        qint64(python.value(QStringLiteral("buffer_bytes")).toDouble(-1)) };
}

} // namespace memoscope::test
