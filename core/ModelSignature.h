#pragma once
// What a model's forward takes, as its TorchScript schema says: each argument's name, type and default. The
// profiler reads it from the model; the GUI gets it from `memoscope-cli inspect --json`. Which input spec fits
// which argument is decided here, so the run dialog validates exactly as the CLI does.

#include "InputSpec.h"

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace memoscope {

struct ArgumentType {
    enum class Kind { Tensor, Int, Float, Bool, Str, None, List, Tuple, Dict, Optional, Number, Any, Other };
    Kind kind = Kind::Any;
    QVector<ArgumentType> elements; // List and Optional: one; Tuple: each; Dict: key then value
    QString name; // Other: as the schema writes it (a class, Device, ...)

    // From TorchScript's annotation text: "Tensor", "int", "List[Tensor]", "Optional[Dict[str, Tensor]]",
    // "Tuple[Tensor, int]"; anything else is Other.
    static ArgumentType parse(const QString& annotation);
    QString toString() const; // as Python writes it
    bool isTensorLike() const; // Tensor, or a container of tensors only (Optional included)
};

struct ModelArgument {
    QString name;
    ArgumentType type;
    bool hasDefault = false;
    QString defaultValue; // as the schema prints it ("None", "16000")
};

struct ModelSignature {
    QVector<ModelArgument> arguments; // forward's, without self
    QString returns; // the result's type, as Python writes it

    QString toString() const; // "forward(x: Tensor, sr: int = 16000) -> Tensor"
    int requiredCount() const; // arguments up to the last one without a default
    bool tensorsOnly() const;
    // One spec per argument in order; trailing arguments with defaults may be left out. Files are accepted
    // wherever tensors are (what they hold is checked when read). The error names the argument and its type:
    // "argument 'sr' is int; got a tensor spec".
    bool check(const QVector<InputSpec>& specs, QString* error) const;

    QJsonObject toJson() const;
    static ModelSignature fromJson(const QJsonObject& json);
};

// Whether `spec` can be passed where `type` is asked for. `why` says what does not fit, in the words of
// ModelSignature::check without the argument's name ("is int; got a tensor spec").
bool specFits(const InputSpec& spec, const ArgumentType& type, QString* why);

// A spec for a scalar argument that is always valid ("int:0", "bool:false", "none"); empty for tensors and
// containers of them, whose shapes only the model can tell.
QString defaultSpecFor(const ArgumentType& type);

} // namespace memoscope
