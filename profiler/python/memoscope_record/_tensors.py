"""Tensors as the allocator sees them: the storage a tensor's memory came from, its address, size and device,
and the modules of a model with the path people know them by."""

import torch

# The profiler names a device as torch.device does: "cpu", "cuda:0".


def device_name(device):
    return str(device)


def storage_of(tensor):
    """The storage holding a tensor's memory, or None for tensors without one (sparse, mkldnn, meta)."""
    try:
        if hasattr(tensor, "untyped_storage"):  # PyTorch 2.x; storage() there warns that it is deprecated
            return tensor.untyped_storage()
        return tensor.storage()
    except (RuntimeError, NotImplementedError, TypeError, AttributeError):
        return None


def storage_address(tensor):
    """The address of the allocation a tensor lives in (what the profiler reports as `ptr`), 0 if none."""
    storage = storage_of(tensor)
    if storage is None:
        return 0
    try:
        return storage.data_ptr()
    except (RuntimeError, NotImplementedError):
        return 0


def storage_bytes(tensor):
    storage = storage_of(tensor)
    try:
        return int(storage.nbytes()) if storage is not None else 0
    except (RuntimeError, NotImplementedError):
        return 0


def tensors_in(value, depth=0):
    """The tensors in a model's inputs or outputs: a tensor, or tuples, lists, dicts and dataclass-like objects of
    them (a Hugging Face ModelOutput is a dict)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if depth > 6:
        return []
    found = []
    if isinstance(value, dict):
        for item in value.values():
            found.extend(tensors_in(item, depth + 1))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(tensors_in(item, depth + 1))
    return found


def addresses(tensors):
    return [address for address in (storage_address(t) for t in tensors) if address]


def _modules_in_container(value, prefix):
    """Modules kept in a plain dict, list or tuple attribute, which named_modules() does not list."""
    if isinstance(value, torch.nn.Module):
        return [(prefix, value)]
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, torch.nn.Module):
                found.append((prefix + "." + str(key), item))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if isinstance(item, torch.nn.Module):
                found.append((prefix + "." + str(index), item))
    return found


def _join(path, name):
    return name if not path else path + "." + name


def module_tree(root):
    """(path, module, parent path) for the root and every module under it, parents first: registered children as
    named_modules() orders them, then modules kept in plain containers ("blocks.encoder" for a module stored in
    the dict attribute `blocks` under the key "encoder")."""
    order = []
    seen = set()

    def visit(module, path, parent):
        if id(module) in seen:
            return
        seen.add(id(module))
        order.append((path, module, parent))
        for name, child in module._modules.items():
            if child is not None:
                visit(child, _join(path, name), path)
        for attribute, value in vars(module).items():
            if attribute.startswith("_") or isinstance(value, torch.nn.Module):
                continue
            for name, child in _modules_in_container(value, attribute):
                visit(child, _join(path, name), path)

    visit(root, "", None)
    return order


def name_in_parent(parent, module):
    """The attribute path under which a running parent keeps a module it did not register, or None."""
    for attribute, value in vars(parent).items():
        if attribute.startswith("_") or value is module:
            continue
        for name, child in _modules_in_container(value, attribute):
            if child is module:
                return name
    return None


def own_tensors(module):
    """The parameters and buffers a module holds itself (not its children's)."""
    tensors = [p for p in module._parameters.values() if p is not None]
    tensors += [b for b in module._buffers.values() if b is not None]
    return tensors
