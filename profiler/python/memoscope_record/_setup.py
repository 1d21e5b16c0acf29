"""Memory that exists when recording begins, and its end.

torch.profiler reports the free of an allocation only if it saw the allocation: PyTorch 1.13's CPU allocator
keeps the size of what it allocates while profiling and nothing else. So the recorder finds what is alive at the
start itself (every tensor the garbage collector knows, by storage) and learns of their frees from weak-reference
finalizers: when the last Python tensor on a storage dies, the storage goes with it.

DistributedDataParallel keeps its gradient buckets in C++, out of the garbage collector's sight; their sizes come
from DDP's own logging data, and they are filed under the pseudo-layer <ddp buckets> (category gradient)."""

import gc
import weakref

import torch

from . import _tensors

BUCKET_LAYER = "<ddp buckets>"


def _ddp_class():
    try:
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel
    except ImportError:  # pragma: no cover
        return None


def bucket_sizes(ddp):
    """(sizes in bytes, rebuilt) of a DDP module's buckets as DDP reports them."""
    try:
        data = ddp._get_ddp_logging_data()
    except (AttributeError, RuntimeError):
        return [], False
    rebuilt = bool(data.get("has_rebuilt_buckets", 0))
    text = str(data.get("rebuilt_bucket_sizes" if rebuilt else "bucket_sizes", ""))
    return [int(size) for size in text.replace(" ", "").split(",") if size.isdigit()], rebuilt


def _rebuilt(ddp):
    """Whether DDP has rebuilt its buckets in the order gradients came (its second forward does). DDP's own flag:
    its logging data says so only some iterations later."""
    return bool(getattr(ddp, "_has_rebuilt_buckets", bucket_sizes(ddp)[1]))


class LiveObjects:
    """One pass over what the garbage collector knows: the tensors, optimizers and DDP modules alive now."""

    def __init__(self):
        ddp_class = _ddp_class()
        self.tensors = []
        self.optimizers = []
        self.ddp = []
        wanted = ((torch.Tensor, self.tensors), (torch.optim.Optimizer, self.optimizers), (ddp_class, self.ddp))
        list_of = {}  # type -> the list its objects go to, or None; a process has many objects of few types
        for value in gc.get_objects():
            # type(), not isinstance(): some objects warn when their __class__ is read (torch.distributed.reduce_op)
            kind = type(value)
            found = list_of.get(kind, False)
            if found is False:
                found = next((into for base, into in wanted if base is not None and issubclass(kind, base)), None)
                list_of[kind] = found
            if found is not None:
                found.append(value)


class SetupMemory:
    def __init__(self, session):
        self.session = session
        self._owners = {}  # address -> live Python tensors on that storage
        self._finalizers = []
        self.bucket_layer = -1
        self.ddp = []  # [module, layer, addresses of its buckets before a rebuild, rebuilt]
        self.totals = {}  # id(DDP module) -> bytes of all its buckets (every gradient once), rebuilt or not

    def record(self, live, known):
        """Adds every live tensor's storage as a setup allocation; `known` names parameters, gradients and
        optimizer state by address: (category, layer)."""
        builder = self.session.builder
        self._find_ddp(live.ddp, known)
        for tensor in live.tensors:
            address = _tensors.storage_address(tensor)
            if not address:
                continue
            category, layer = known.get(address, ("data", -1))
            builder.add_setup(address, _tensors.storage_bytes(tensor), _tensors.device_name(tensor.device), category, layer)
            self._owners[address] = self._owners.get(address, 0) + 1
            self._finalizers.append(weakref.finalize(tensor, self._tensor_died, address))

    def _tensor_died(self, address):
        left = self._owners.get(address, 0) - 1
        self._owners[address] = left
        if left == 0:
            self.session.release_setup(address)

    def detach(self):
        for finalizer in self._finalizers:
            finalizer.detach()
        self._finalizers = []

    # -- DistributedDataParallel

    def _find_ddp(self, modules, known):
        synthetic = -1
        for module in modules:
            sizes, rebuilt = bucket_sizes(module)
            if not sizes:
                continue
            layer = self.layer()
            addresses = []
            # With gradient_as_bucket_view the gradients are views of the buckets: those storages are the buckets.
            if getattr(module, "gradient_as_bucket_view", False):
                for parameter in module.parameters():
                    if parameter.grad is not None:
                        address = _tensors.storage_address(parameter.grad)
                        if _tensors.storage_bytes(parameter.grad) in sizes and address not in addresses:
                            sizes.remove(_tensors.storage_bytes(parameter.grad))
                            known[address] = ("gradient", layer)
                            addresses.append(address)
            for size in sizes:
                self.session.builder.add_setup(synthetic, size, "cpu", "gradient", layer)
                addresses.append(synthetic)
                synthetic -= 1
            self.ddp.append([module, self.session.layers.by_module.get(id(module), -1), addresses, _rebuilt(module)])
            self.totals[id(module)] = sum(bucket_sizes(module)[0])

    def layer(self):
        if self.bucket_layer < 0:
            self.bucket_layer = self.session.layers.add(BUCKET_LAYER, "DistributedDataParallel buckets", pseudo=True)
        return self.bucket_layer

    def before_forward(self, module):
        """Before the first forward of a DDP module made while recording: its buckets are among what the
        recording saw allocated."""
        ddp_class = _ddp_class()
        if ddp_class is None or not isinstance(module, ddp_class) or any(entry[0] is module for entry in self.ddp):
            return None
        sizes, _ = bucket_sizes(module)
        self.ddp.append([module, self.session.layers.by_module.get(id(module), -1), [], _rebuilt(module)])
        self.totals[id(module)] = sum(sizes)
        if not sizes:
            return None
        return {"sizes": sizes, "total": sum(sizes), "layer": self.layer(), "made_by": None, "replaces": []}

    def after_forward(self, module):
        """After a DDP module's forward: if it rebuilt its buckets (its second forward ever does), what the
        builder should make of the new ones and the old."""
        for entry in self.ddp:
            if entry[0] is module and not entry[3] and _rebuilt(module):
                entry[3] = True
                old, entry[2] = entry[2], []
                total = self.totals.get(id(module), 0)
                return {"sizes": None, "total": total, "layer": self.layer(), "made_by": entry[1], "replaces": old}
        return None
