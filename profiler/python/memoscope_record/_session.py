"""One recording: the profiler switched on chunk by chunk, the hooks that tell it which module, phase and tensor
is which, and the trace file written as it goes."""

import os
import threading
import time
import warnings

import torch

from . import _profiler, _tensors, _trace
from ._events import EventBuilder
from ._hooks import Hooks
from ._layers import Layers
from ._setup import LiveObjects, SetupMemory
from ._tree import MARK_PREFIX, MODULE_PREFIX

# A chunk of the profiler's results is turned into trace lines at the next iteration boundary after this long:
# a killed process loses at most the chunk in progress, and the profiler's buffers stay small.
FLUSH_SECONDS = float(os.environ.get("MEMOSCOPE_RECORD_FLUSH_SECONDS", "2"))


def _distributed_identity():
    """(rank, world size, job) of a torch.distributed job, from the process group or torchrun's environment."""
    rank = world = None
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            rank, world = dist.get_rank(), dist.get_world_size()
    except (ImportError, RuntimeError):
        pass
    if rank is None and os.environ.get("RANK") and os.environ.get("WORLD_SIZE"):
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    job = os.environ.get("TORCHELASTIC_RUN_ID")
    if not job and os.environ.get("MASTER_PORT"):
        job = "%s:%s" % (os.environ.get("MASTER_ADDR", ""), os.environ["MASTER_PORT"])
    return rank, world, job


def _class_name(value):
    kind = type(value)
    return kind.__module__ + "." + kind.__qualname__


class Session:
    def __init__(self, path, model=None, optimizer=None, name=None, implicit=False):
        self.requested_path = path
        self.model = model
        if optimizer is None:
            self.optimizers = []
        elif isinstance(optimizer, (list, tuple)):
            self.optimizers = list(optimizer)
        else:
            self.optimizers = [optimizer]
        self.name = name
        self.implicit = implicit  # the whole script under `python3 -m memoscope_record`
        self.active = False
        self.path = None
        self.root = None
        self.module_stack = []
        self.in_backward = False
        self.step_depth = 0
        self.saved = []
        self.payloads = {}
        self.mark_count = 0
        self.parameters_reported = 0
        self.inputs_noted = False
        self.released = []  # setup storages freed since the last mark
        self.profiling = False

    # -- starting and stopping

    def start(self):
        if _profiler.already_profiling():
            raise RuntimeError("memoscope_record cannot record while torch.profiler is already running; stop it first")
        rank, world, job = _distributed_identity()
        self.path = _trace.rank_path(os.path.abspath(self.requested_path), rank, world)
        self.thread = threading.get_ident()
        self.layers = Layers()
        header = {"torch": torch.__version__, "threads": torch.get_num_threads(), "rank": rank, "world_size": world}
        if job:
            header["job"] = job
        if self.name:
            header["name"] = self.name
        self.trace = _trace.TraceFile(self.path, header)
        self.builder = EventBuilder(self.layers, self.trace.write)
        if self.model is not None:
            self._adopt_root(self.model)
        self.setup = SetupMemory(self)
        self._record_live_tensors()
        self.hooks = Hooks(self)
        self.hooks.install(self.optimizers)
        self.profiler = _profiler.memory_profiler()
        self.profiler.start()
        self.profiling = True
        self.chunk_started = time.monotonic()
        self.active = True
        self.mark("start")

    def stop(self, error=None):
        if not self.active:
            return
        self.mark("stop")
        roots = self.profiler.stop()
        self.profiling = False
        self.active = False
        self.setup.detach()
        self.hooks.remove()
        try:
            self.builder.process(roots, self.payloads)
            self.builder.finish()
            self.trace.record(self._configuration())
        except Exception as failure:  # noqa: BLE001 - the program's own work is done; say why the trace is not
            warnings.warn("memoscope_record could not finish the trace: %s" % failure, RuntimeWarning)
            error = "memoscope_record failed: %s: %s" % (type(failure).__name__, failure)
        self.trace.close(self._end(error))

    def give_up(self, error):
        """The recorder itself failed: the program goes on unrecorded, and the trace ends saying why, so it imports
        as a failed run and never as a complete one."""
        if not self.active:
            return
        warnings.warn("memoscope_record stopped recording: %s: %s" % (type(error).__name__, error), RuntimeWarning)
        self.active = False
        try:
            if self.profiling:
                self.profiler.stop()
        except Exception:  # noqa: BLE001 - already failing; the trace must still be closed
            pass
        self.profiling = False
        self.setup.detach()
        self.hooks.remove()
        self.trace.close(self._end("memoscope_record failed: %s: %s" % (type(error).__name__, error)))

    def _end(self, error):
        builder = self.builder
        return {
            "status": "failed" if error else "complete",
            "error": error,
            "events": builder.event_count,
            "iterations": builder.iterations_closed,
            "unmatched_frees": builder.unmatched_frees,
        }

    def discard(self):
        """Stops without writing events: the script asked for its own region (memoscope_record.start())."""
        if not self.active:
            return
        self.active = False
        self.profiler.stop()
        self.profiling = False
        self.setup.detach()
        self.hooks.remove()

    def _configuration(self):
        config = {"type": "config", "optimizers": [type(o).__name__ for o in self.hooks.optimizers]}
        for optimizer in self.hooks.optimizers:
            groups = getattr(optimizer, "param_groups", None)
            if groups and "lr" in groups[0]:
                config["learning_rate"] = float(groups[0]["lr"])
                break
        return config

    # -- what exists when recording begins

    def _adopt_root(self, module):
        self.root = module
        self.root_layer = self.layers.add_tree(module, "", -1)
        self.trace.record({"type": "config", "model_class": _class_name(module)})

    def _record_live_tensors(self):
        """Every tensor alive now is setup memory: parameters and buffers, gradients and optimizer state by
        storage; the rest (a data set, a batch made before recording) is data until it turns out to be an input."""
        live = LiveObjects()
        self.optimizers += [found for found in live.optimizers if all(found is not o for o in self.optimizers)]
        known = {}
        for tensor, layer in self.layers.parameters:
            known.setdefault(_tensors.storage_address(tensor), ("parameter", layer))
        for address, layer in self.gradients():
            known.setdefault(address, ("gradient", layer))
        for address, layer in self.optimizer_state():
            known.setdefault(address, ("optimizer_state", layer))
        self.setup.record(live, known)
        self.parameters_reported = len(self.layers.parameters)

    def release_setup(self, address):
        """The last Python tensor on a storage that existed before recording died: so did the storage."""
        if not self.active:
            return
        self.released.append(address)
        if self.profiling:
            self.mark("released")

    # -- what the hooks ask for

    def mark(self, kind, data=None):
        """A point in the profiler's timeline that carries what the recorder knew then."""
        data = {} if data is None else data
        if self.released:
            data["released"], self.released = self.released, []
        new = self.layers.parameters[self.parameters_reported :]
        if new:
            data["parameters"] = [(_tensors.storage_address(t), layer) for t, layer in new]
            self.parameters_reported = len(self.layers.parameters)
        number = self.mark_count
        self.mark_count += 1
        self.payloads[number] = (kind, data)
        _profiler.exit_range(_profiler.enter_range(MARK_PREFIX + str(number)))

    def enter_module(self, layer):
        return _profiler.enter_range(MODULE_PREFIX + str(layer))

    def exit_module(self, handle):
        _profiler.exit_range(handle)

    def note_inputs(self, tensors):
        """The first forward's inputs as Memoscope's input specs ("8x3x224x224:float32"): they give the batch size."""
        if self.inputs_noted:
            return
        self.inputs_noted = True
        specs = ["x".join(str(size) for size in t.shape) + ":" + str(t.dtype).replace("torch.", "") for t in tensors]
        self.trace.record({"type": "config", "inputs": specs})

    def take_saved(self):
        saved, self.saved = self.saved, []
        return saved

    def gradients(self):
        found = []
        seen = set()
        for tensor, layer in self._trainable():
            grad = tensor.grad
            if grad is not None and id(tensor) not in seen:
                seen.add(id(tensor))
                found.append((_tensors.storage_address(grad), layer))
        return found

    def _trainable(self):
        for pair in self.layers.parameters:
            yield pair
        for optimizer in self.optimizers:
            for group in getattr(optimizer, "param_groups", ()):
                for parameter in group.get("params", ()):
                    yield parameter, self.layers.owner_of_tensor.get(id(parameter), -1)

    def optimizer_state(self, optimizers=None):
        found = []
        for optimizer in self.optimizers if optimizers is None else optimizers:
            state = getattr(optimizer, "state", None)
            if not isinstance(state, dict):
                continue
            for parameter, values in state.items():
                layer = self.layers.owner_of_tensor.get(id(parameter), -1)
                for tensor in _tensors.tensors_in(values):
                    found.append((_tensors.storage_address(tensor), layer))
        return found

    def discover(self, module):
        """The layer of a module the layer table does not know yet, or None for a top-level module without
        parameters (a loss function), which runs in whatever phase it is called."""
        has_parameters = next(iter(module.parameters()), None) is not None
        if not self.module_stack:
            if self.root is None and has_parameters:
                self._adopt_root(module)
                return self.root_layer
            if not has_parameters:
                return None
            return self.layers.add_tree(module, "<%s>" % type(module).__name__, -1, pseudo=True)
        parent_module, _, _ = self.module_stack[-1]
        parent = self.layers.by_module.get(id(parent_module), -1)
        name = _tensors.name_in_parent(parent_module, module) if parent_module is not None else None
        base = self.layers.paths.get(parent, "")
        path = (base + "." if base else "") + (name or type(module).__name__)
        return self.layers.add_tree(module, path, parent)

    def maybe_flush(self):
        if time.monotonic() - self.chunk_started < FLUSH_SECONDS:
            return
        roots = self.profiler.stop()
        self.profiling = False
        payloads, self.payloads = self.payloads, {}
        self.builder.process(roots, payloads)
        self.profiler.start()
        self.profiling = True
        self.chunk_started = time.monotonic()
        self.mark("chunk")
