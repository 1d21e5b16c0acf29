#pragma once
// A ready --input line for a model: one spec per argument of forward that has no default, guessed from the
// weights each input meets first (a convolution's input channels, a Linear's input features, an embedding's
// vocabulary) and checked by running forward once at batch 1, in inference.

#include <QString>
#include <QStringList>

namespace torch::jit {
struct Module;
}

namespace memoscope {

struct InputSuggestion {
    QStringList specs; // "SHAPE" where a shape cannot be known
    bool checked = false; // forward ran on them
    QString note; // how it was checked, or what it could not know
};

InputSuggestion suggestInputs(const torch::jit::Module& module);

} // namespace memoscope
