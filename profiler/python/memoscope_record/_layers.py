"""The layer table of a recording: the model's modules by path, the pseudo-layers for work outside them (the
loss), and which layer owns each parameter. New layers are handed to the trace writer in the order they were
added, so a layer is always written before the events that name it and after its parent."""

from . import _tensors


class Layers:
    def __init__(self):
        self.records = []  # layer records not yet written
        self.count = 0
        self.by_module = {}  # id(module) -> layer id
        self.modules = {}  # layer id -> module (kept alive: ids of dead modules could be reused)
        self.paths = {}  # layer id -> path
        self.owner_of_tensor = {}  # id(parameter or buffer) -> layer id
        self.parameters = []  # (tensor, layer id) of every parameter and buffer, first owner only
        self._seen_storages = set()
        self._loss = -1

    def add(self, path, kind, parent=-1, pseudo=False, param_count=0, param_bytes=0):
        layer = self.count
        self.count += 1
        self.paths[layer] = path
        self.records.append(
            {
                "type": "layer",
                "id": layer,
                "path": path,
                "kind": kind,
                "parent": parent,
                "pseudo": pseudo,
                "param_count": param_count,
                "param_bytes": param_bytes,
            }
        )
        return layer

    def add_module(self, module, path, parent, pseudo=False):
        """A module and its own parameters and buffers (tied weights counted once, for their first owner)."""
        count = 0
        size = 0
        owned = []
        for tensor in _tensors.own_tensors(module):
            address = _tensors.storage_address(tensor)
            if address and address in self._seen_storages:
                continue
            self._seen_storages.add(address)
            count += tensor.numel()
            size += _tensors.storage_bytes(tensor)
            owned.append(tensor)
        layer = self.add(path, type(module).__name__, parent, pseudo, count, size)
        self.by_module[id(module)] = layer
        self.modules[layer] = module
        for tensor in _tensors.own_tensors(module):
            self.owner_of_tensor.setdefault(id(tensor), layer)
        self.parameters.extend((tensor, layer) for tensor in owned)
        return layer

    def add_tree(self, root, path, parent, pseudo=False):
        """The root module and everything under it; returns the root's layer id. A pseudo root is a second model
        beside the one recorded (a teacher, a discriminator), named "<Class>"."""
        layer_of_path = {}
        root_layer = -1
        for relative, module, parent_path in _tensors.module_tree(root):
            if id(module) in self.by_module:
                continue
            full = relative if not path else (path + "." + relative if relative else path)
            up = parent if parent_path is None else layer_of_path.get(parent_path, parent)
            layer = self.add_module(module, full, up, pseudo and parent_path is None)
            layer_of_path[relative] = layer
            if parent_path is None:
                root_layer = layer
        return root_layer

    def loss_layer(self, kind):
        """The pseudo-layer of the loss, made the first time a loss is seen."""
        if self._loss < 0:
            self._loss = self.add("<loss>", kind, pseudo=True)
        return self._loss

    def take_records(self):
        records, self.records = self.records, []
        return records
