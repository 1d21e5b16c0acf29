#include "ScriptEditing.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/csrc/jit/serialization/import.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/custom_class.h>

#include <sstream>
#include <unordered_set>

namespace memoscope::script {

namespace {
    using namespace torch::jit;

    // "ops" whose attributes are operator namespaces: ops.quantized.linear_dynamic -> quantized::linear_dynamic.
    struct OperatorNamespaces : SugaredValue {
        std::string kind() const override { return "ops"; }
        std::shared_ptr<SugaredValue> attr(const SourceRange&, GraphFunction&, const std::string& field) override
        {
            return std::make_shared<BuiltinModule>(field);
        }
    };

    struct SerializedCodeResolver : Resolver {
        std::shared_ptr<SugaredValue> resolveValue(
            const std::string& name, GraphFunction& function, const SourceRange& location) override
        {
            if (name == "ops")
                return std::make_shared<OperatorNamespaces>();
            return nativeResolver()->resolveValue(name, function, location);
        }
        c10::TypePtr resolveType(const std::string& name, const SourceRange& location) override
        {
            if (auto custom = torch::getCustomClass(name))
                return custom;
            return nativeResolver()->resolveType(name, location);
        }
    };

    void retypeAttributeReads(Block* block, const c10::ClassTypePtr& owner, const std::string& name,
        const c10::TypePtr& type)
    {
        for (Node* node : block->nodes()) {
            if (node->kind() == prim::GetAttr && node->s(attr::name) == name && node->input()->type() == owner)
                node->output()->setType(type);
            for (Block* inner : node->blocks())
                retypeAttributeReads(inner, owner, name, type);
        }
    }

    // Points parent.<name> at a module of another type, in the object, its type and its methods' graphs.
    void replaceChild(Module& parent, const std::string& name, const Module& child)
    {
        const c10::ClassTypePtr type = parent.type();
        type->unsafeChangeAttributeType(name, child.type());
        parent._ivalue()->setAttr(name, child._ivalue());
        for (Function* method : type->methods())
            retypeAttributeReads(toGraphFunction(*method).graph()->block(), type, name, child.type());
    }

    void uniquify(Module& module, std::unordered_set<c10::ClassTypePtr>& seen)
    {
        for (const NameModule& child : module.named_children()) {
            Module instance = child.value;
            if (!seen.insert(instance.type()).second) {
                // Another instance already has this type: this one gets a deep copy with fresh types.
                instance = instance.clone();
                replaceChild(module, child.name, instance);
                seen.insert(instance.type());
            }
            uniquify(instance, seen);
        }
    }
}

std::shared_ptr<Resolver> resolver()
{
    static const auto shared = std::make_shared<SerializedCodeResolver>();
    return shared;
}

std::vector<std::pair<std::string, Module>> namedModules(const Module& root)
{
    std::vector<std::pair<std::string, Module>> modules;
    for (const NameModule& named : root.named_modules())
        modules.emplace_back(named.name, named.value);
    return modules;
}

std::optional<Module> findModule(const Module& root, const std::string& path)
{
    if (path.empty())
        return root;
    Module current = root;
    std::stringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '.')) {
        if (!current.hasattr(part) || !current.attr(part).isModule())
            return std::nullopt;
        current = current.attr(part).toModule();
    }
    return current;
}

std::string className(const Module& module)
{
    const auto name = module.type()->name();
    return name ? name->name() : "Module";
}

void uniquifyTypes(Module& root)
{
    std::unordered_set<c10::ClassTypePtr> seen { root.type() };
    uniquify(root, seen);
}

void defineMethod(Module& module, const std::string& name, const std::string& source)
{
    const c10::ClassTypePtr type = module.type();
    if (type->findMethod(name)) {
        type->unsafeRemoveMethod(name);
        module._ivalue()->compilation_unit()->unsafeRemoveMethod(c10::QualifiedName(*type->name(), name));
    }
    module.define(source, resolver());
}

void renameMethod(Module& module, const std::string& from, const std::string& to)
{
    const c10::ClassTypePtr type = module.type();
    Function* original = type->findMethod(from);
    TORCH_CHECK(original, "no method ", from, " on ", type->repr_str());
    auto unit = module._ivalue()->compilation_unit();
    auto graph = toGraphFunction(*original).graph()->copy();
    Function* renamed = unit->create_function(c10::QualifiedName(*type->name(), to), graph);
    renamed->setSchema(original->getSchema().cloneWithName(to, ""));
    type->addMethod(renamed);
    type->unsafeRemoveMethod(from);
    unit->unsafeRemoveMethod(c10::QualifiedName(*type->name(), from));
}

void setConstant(Module& module, const std::string& name, const c10::IValue& value)
{
    const c10::ClassTypePtr type = module.type();
    if (!type->hasConstant(name))
        return;
    type->unsafeRemoveConstant(name);
    type->addConstant(name, value);
}

void replaceTensorAttribute(Module& module, const std::string& name, const std::optional<at::Tensor>& value)
{
    const c10::ClassTypePtr type = module.type();
    if (type->hasAttribute(name)) {
        module._ivalue()->unsafeRemoveAttr(name);
        type->unsafeRemoveAttribute(name);
    }
    if (value)
        module.register_attribute(name, c10::TensorType::get(), *value, /*is_param=*/false, /*is_buffer=*/false);
}

Module roundTrip(const Module& module, const std::unordered_map<std::string, std::string>& extraFiles)
{
    std::stringstream buffer;
    module.save(buffer, extraFiles);
    buffer.seekg(0);
    return torch::jit::load(buffer);
}

std::string memoscopeExtraFile(const std::string& path)
{
    // Read from the archive without loading the model: the quantized engine must be chosen before loading,
    // because packed weights are repacked for the current engine as they load.
    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        if (!reader.hasRecord("extra/memoscope.json"))
            return {};
        const auto [data, size] = reader.getRecord("extra/memoscope.json");
        return std::string(static_cast<const char*>(data.get()), size);
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace memoscope::script
