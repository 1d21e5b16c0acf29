#include "QuantizedEngine.h"

#include "Int8Weights.h"
#include "profiler/ProfileError.h"

#include <ATen/Context.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

namespace memoscope {

namespace {
    QString cachePath()
    {
        QString folder = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
        if (folder.isEmpty())
            folder = QDir::homePath() + QStringLiteral("/.cache");
        return folder + QStringLiteral("/memoscope/quantized-engine.json");
    }

    // Median time of an int8 dynamic Linear (batch 64, 512 -> 512) with one engine.
    double measure(const QString& engine)
    {
        useQuantizedEngine(engine);
        torch::NoGradGuard noGrad;
        const at::Tensor input = torch::randn({ 64, 512 });
        const c10::IValue packed = int8::packLinear(int8::quantizeWeight(torch::randn({ 512, 512 }), true), torch::zeros({ 512 }));
        static const auto op = c10::Dispatcher::singleton().findSchemaOrThrow("quantized::linear_dynamic", "");
        std::vector<double> times;
        for (int i = 0; i < 25; ++i) {
            torch::jit::Stack stack { input, packed, false };
            QElapsedTimer timer;
            timer.start();
            op.callBoxed(&stack);
            if (i >= 5)
                times.push_back(double(timer.nsecsElapsed()) / 1e6);
        }
        std::sort(times.begin(), times.end());
        return times[times.size() / 2];
    }

    EngineChoice measuredDefault()
    {
        QFile cached(cachePath());
        if (cached.open(QIODevice::ReadOnly)) {
            const QJsonObject json = QJsonDocument::fromJson(cached.readAll()).object();
            if (json.value(QStringLiteral("libtorch")).toString() == QStringLiteral(TORCH_VERSION)
                && !json.value(QStringLiteral("engine")).toString().isEmpty())
                return EngineChoice { json.value(QStringLiteral("engine")).toString(),
                    json.value(QStringLiteral("reason")).toString() };
        }
        const double onednn = measure(QStringLiteral("onednn"));
        const double qnnpack = measure(QStringLiteral("qnnpack"));
        EngineChoice choice;
        choice.engine = onednn <= qnnpack ? QStringLiteral("onednn") : QStringLiteral("qnnpack");
        choice.reason = QStringLiteral("measured on this machine: onednn %1 ms, qnnpack %2 ms per int8 Linear call")
                            .arg(onednn, 0, 'f', 3)
                            .arg(qnnpack, 0, 'f', 3);
        QDir().mkpath(QFileInfo(cachePath()).absolutePath());
        QSaveFile file(cachePath());
        if (file.open(QIODevice::WriteOnly)) {
            file.write(QJsonDocument(QJsonObject { { QStringLiteral("engine"), choice.engine },
                                         { QStringLiteral("reason"), choice.reason },
                                         { QStringLiteral("libtorch"), QStringLiteral(TORCH_VERSION) } })
                           .toJson());
            file.commit();
        }
        return choice;
    }
}

void useQuantizedEngine(const QString& engine)
{
    at::globalContext().setQEngine(engine == QLatin1String("qnnpack") ? at::QEngine::QNNPACK : at::QEngine::ONEDNN);
}

QString currentQuantizedEngine()
{
    return at::globalContext().qEngine() == at::QEngine::QNNPACK ? QStringLiteral("qnnpack") : QStringLiteral("onednn");
}

EngineChoice chooseQuantizedEngine(const QString& requested)
{
    EngineChoice choice;
    if (requested.isEmpty() || requested == QLatin1String("auto"))
        choice = measuredDefault();
    else if (requested == QLatin1String("qnnpack") || requested == QLatin1String("onednn"))
        choice = EngineChoice { requested, QStringLiteral("asked for") };
    else
        throw ProfileError(ExitBadInput,
            QStringLiteral("--engine must be qnnpack, onednn or auto, not '%1' (this LibTorch has no fbgemm)").arg(requested));
    useQuantizedEngine(choice.engine);
    return choice;
}

} // namespace memoscope
