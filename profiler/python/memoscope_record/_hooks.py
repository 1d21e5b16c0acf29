"""The hooks a recording installs, and removes when it stops: module forward hooks (which module runs; the root
module's forward is the forward phase), a wrapper of torch.autograd.backward (the backward phase), wrappers of
the optimizers' step() (the optimizer phase) and saved-tensor hooks (what autograd keeps for backward)."""

import threading

import torch
import torch.nn.modules.module as module_hooks

from . import _tensors


class Hooks:
    def __init__(self, session):
        self.session = session
        self.optimizers = []
        self._wrapped = []  # (optimizer, previous instance attribute or None, our wrapper)
        self._handles = []
        self._backward = None
        self._optimizer_init = None
        self._saved_hooks = None

    def install(self, optimizers):
        session = self.session
        self._handles.append(module_hooks.register_module_forward_pre_hook(self._before_forward))
        self._handles.append(module_hooks.register_module_forward_hook(self._after_forward))
        self._backward = torch.autograd.backward
        torch.autograd.backward = self._wrap_backward(self._backward)
        for optimizer in optimizers:
            self.wrap_step(optimizer)
        self._optimizer_init = torch.optim.Optimizer.__init__
        original_init = self._optimizer_init

        def init(optimizer, *args, **kwargs):
            original_init(optimizer, *args, **kwargs)
            if session.active:
                session.optimizers.append(optimizer)
                self._guarded(self.wrap_step, optimizer)

        torch.optim.Optimizer.__init__ = init

        def pack(tensor):
            if session.active and threading.get_ident() == session.thread:
                self._guarded(lambda: session.saved.append(_tensors.storage_address(tensor)))
            return tensor

        self._saved_hooks = torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor)
        self._saved_hooks.__enter__()

    def remove(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._saved_hooks is not None:
            self._saved_hooks.__exit__(None, None, None)
            self._saved_hooks = None
        if self._backward is not None:
            torch.autograd.backward = self._backward
            self._backward = None
        if self._optimizer_init is not None:
            torch.optim.Optimizer.__init__ = self._optimizer_init
            self._optimizer_init = None
        for optimizer, previous, wrapper in self._wrapped:
            # Left in place (it passes straight through) if something wrapped it in turn, e.g. an LR scheduler.
            if optimizer.__dict__.get("step") is wrapper:
                if previous is None:
                    del optimizer.step
                else:
                    optimizer.step = previous
        self._wrapped = []

    def _recording(self):
        session = self.session
        return session.active and threading.get_ident() == session.thread

    # -- modules

    def _guarded(self, work, *args):
        """Runs the recorder's own part of a hook: if the recorder fails, the program goes on unrecorded."""
        try:
            return work(*args)
        except Exception as error:  # noqa: BLE001 - whatever it is, it must not reach the user's program
            self.session.give_up(error)
            return None

    def _before_forward(self, module, args):
        if self._recording():
            self._guarded(self._enter_module, module, args)
        return None

    def _after_forward(self, module, args, output):
        if self._recording():
            self._guarded(self._leave_module, module, output)
        return None

    def _enter_module(self, module, args):
        session = self.session
        layer = session.layers.by_module.get(id(module))
        if layer is None:
            layer = session.discover(module)
        root = not session.module_stack and module is session.root
        if root:
            session.maybe_flush()
        handle = session.enter_module(layer) if layer is not None else None
        session.module_stack.append((module, handle, root))
        if root:
            inputs = _tensors.tensors_in(args)
            session.note_inputs(inputs)
            data = {"inputs": _tensors.addresses(inputs)}
            buckets = session.setup.before_forward(module)
            if buckets:
                data["buckets"] = buckets
            session.mark("fwd_begin", data)

    def _leave_module(self, module, output):
        session = self.session
        stack = session.module_stack
        if not any(entry[0] is module for entry in stack):
            return
        while stack:
            entry = stack.pop()
            if entry[0] is module:
                break
            if entry[1] is not None:  # a module whose forward raised: its range ends with its caller's
                session.exit_module(entry[1])
        _, handle, root = entry
        if root:
            data = {
                "outputs": _tensors.addresses(_tensors.tensors_in(output)),
                "grad": torch.is_grad_enabled(),
                "saved": session.take_saved(),
            }
            buckets = session.setup.after_forward(module)
            if buckets:
                data["buckets"] = buckets
            session.mark("fwd_end", data)
        if handle is not None:
            session.exit_module(handle)

    # -- backward and the optimizer

    def _wrap_backward(self, original):
        hooks = self
        session = self.session

        def backward(tensors, *args, **kwargs):
            if not hooks._recording() or session.in_backward:
                return original(tensors, *args, **kwargs)
            session.in_backward = True
            hooks._guarded(
                lambda: session.mark(
                    "bwd_begin", {"loss": _tensors.addresses(_tensors.tensors_in(tensors)), "saved": session.take_saved()}
                )
            )
            try:
                return original(tensors, *args, **kwargs)
            finally:
                session.in_backward = False
                if session.active:
                    hooks._guarded(lambda: session.mark("bwd_end", {"gradients": session.gradients()}))

        backward.__doc__ = original.__doc__
        backward.__wrapped__ = original
        return backward

    def _after_step(self):
        self.session.mark("step_end", {"state": self.session.optimizer_state()})
        self.session.maybe_flush()

    def wrap_step(self, optimizer):
        if any(optimizer is wrapped for wrapped, _, _ in self._wrapped):
            return
        hooks = self
        session = self.session
        previous = optimizer.__dict__.get("step")
        inner = optimizer.step

        def step(*args, **kwargs):
            # A step inside a step (ZeroRedundancyOptimizer steps its local optimizer) is part of the outer one.
            if not hooks._recording() or session.step_depth:
                return inner(*args, **kwargs)
            session.step_depth += 1
            hooks._guarded(lambda: session.mark("step_begin", {"own": True}))
            try:
                return inner(*args, **kwargs)
            finally:
                session.step_depth -= 1
                if session.active:
                    hooks._guarded(hooks._after_step)

        optimizer.step = step
        self._wrapped.append((optimizer, previous, step))
        self.optimizers.append(optimizer)
