#include "ForwardWrapper.h"

#include "ScriptEditing.h"
#include "profiler/ProfileError.h"

#include <sstream>

namespace memoscope::script {

namespace {
    // Serialized TorchScript writes dtypes as their ScalarType numbers, and C++'s compiler only understands that.
    std::string dtypeName(c10::ScalarType type) { return std::to_string(int(type)); }

    std::string castExpression(const std::string& value, c10::ScalarType type)
    {
        return "(" + value + ".to(" + dtypeName(type) + ") if " + value + ".is_floating_point() else " + value + ")";
    }

    std::string defaultValue(const c10::IValue& value, const std::string& where)
    {
        if (value.isNone())
            return "None";
        if (value.isBool())
            return value.toBool() ? "True" : "False";
        if (value.isInt())
            return std::to_string(value.toInt());
        if (value.isDouble()) {
            std::ostringstream text;
            text.precision(17);
            text << value.toDouble();
            const std::string number = text.str();
            return number.find_first_of(".en") == std::string::npos ? number + ".0" : number;
        }
        if (value.isString())
            return "\"" + value.toStringRef() + "\"";
        throw ProfileError(ExitBadInput,
            QStringLiteral("cannot wrap %1: an argument has a default value of type %2 that Memoscope cannot write")
                .arg(QString::fromStdString(where), QString::fromStdString(value.tagKind())));
    }

    // The result expression: tensors cast, tuples element by element, anything else as it is.
    std::string resultExpression(const std::string& value, const c10::TypePtr& type, c10::ScalarType to)
    {
        if (type->kind() == c10::TypeKind::TensorType)
            return castExpression(value, to);
        if (const auto tuple = type->cast<c10::TupleType>()) {
            std::string elements;
            for (size_t i = 0; i < tuple->elements().size(); ++i)
                elements += resultExpression(value + "[" + std::to_string(i) + "]", tuple->elements()[i], to) + ", ";
            return "(" + elements + ")";
        }
        return value;
    }
}

std::string parameterListSource(const c10::FunctionSchema& schema, const std::string& where)
{
    std::string parameters = "self";
    for (size_t i = 1; i < schema.arguments().size(); ++i) {
        const c10::Argument& argument = schema.arguments()[i];
        parameters += ", " + argument.name() + ": " + argument.type()->annotation_str();
        if (argument.default_value())
            parameters += " = " + defaultValue(*argument.default_value(), where);
    }
    return parameters;
}

void wrapForwardWithCasts(torch::jit::Module& module, c10::ScalarType inputs, c10::ScalarType outputs)
{
    const std::string inner = "_memoscope_uncast_forward";
    const c10::FunctionSchema schema = module.get_method("forward").function().getSchema();
    const std::string parameters = parameterListSource(schema, module.type()->repr_str() + ".forward");
    renameMethod(module, "forward", inner);

    std::string arguments;
    for (size_t i = 1; i < schema.arguments().size(); ++i) {
        const c10::Argument& argument = schema.arguments()[i];
        if (!arguments.empty())
            arguments += ", ";
        arguments += argument.type()->kind() == c10::TypeKind::TensorType ? castExpression(argument.name(), inputs)
                                                                            : argument.name();
    }
    const c10::TypePtr result = schema.returns().size() == 1 ? schema.returns()[0].type() : c10::NoneType::get();
    const std::string source = "def forward(" + parameters + ") -> " + result->annotation_str() + ":\n"
        + "    result = self." + inner + "(" + arguments + ")\n" + "    return " + resultExpression("result", result, outputs)
        + "\n";
    defineMethod(module, "forward", source);
}

} // namespace memoscope::script
