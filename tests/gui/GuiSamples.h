#pragma once
// Runs and workbench settings that more than one GUI test (and the screenshots) use.

#include "core/RunConfig.h"
#include "support/TestSupport.h"
#include "ui/workbench/WorkbenchSettings.h"

namespace memoscope::test {

// The bundled demo CNN on digits-shaped inputs, inference.
inline RunConfig demoCnnRun()
{
    RunConfig config;
    config.modelPath = sourcePath(QStringLiteral("resources/demo/digits_cnn.pt"));
    config.inputs = { QStringLiteral("32x64:float32:0..16") };
    config.iterations = 2;
    config.name = QStringLiteral("demo CNN");
    return config;
}

// Half its channels pruned, int8 Linear layers, then distilled on the digits to win the accuracy back.
inline WorkbenchSettings prunedInt8Distilled()
{
    WorkbenchSettings settings;
    settings.structuredRatio = 0.5;
    settings.quantization = WorkbenchSettings::Quantization::Dynamic;
    settings.distill = true;
    settings.distillData = QStringLiteral("demo-digits");
    settings.distillEpochs = 6;
    return settings;
}

} // namespace memoscope::test
