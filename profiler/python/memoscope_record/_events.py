"""Turns the profiler's event trees, chunk by chunk, into the trace's events, with the meaning Memoscope's
LibTorch engine gives them (README, "What the numbers mean"):

- phase: when the allocation happened. Forward is the root module's forward; backward is a call of
  torch.autograd.backward (loss.backward()); optimizer is the optimizer's step. Between forward and backward is
  the loss; what comes before forward in an iteration is its input. Setup is what existed when recording began.
- layer: in forward, the innermost module running; in backward, the forward layer whose op created the autograd
  node (by sequence number); the loss and backward work outside any node belong to the pseudo-layer <loss>.
- category: parameters, gradients, optimizer state, inputs and the model's output (and the loss) by storage,
  as the recorder's marks name them; then by phase, when the iteration ends: in training, forward and loss
  allocations saved by autograd or still alive when backward began are activations; in inference, those that
  outlived the top-level op that made them; everything else is temporary.

An iteration ends with the optimizer's step, or with a forward pass under no_grad, or when the next forward
begins without a backward in between. Its events are written then, in time order, with their final category."""

import json

from . import _tree

INPUT, FORWARD, LOSS, BACKWARD, OPTIMIZER = "input", "forward", "loss", "backward", "optimizer"
SETUP = "setup"
# Phases not known yet: what follows a forward with grad enabled is the loss if backward comes, else the next
# iteration's input; what follows backward is the optimizer's work, or the next micro-batch's input.
AFTER_FORWARD, AFTER_BACKWARD = "after forward", "after backward"


class Allocation:
    __slots__ = ("id", "address", "bytes", "device", "op", "op_end", "layer", "phase", "category", "classified",
                 "kept", "saved", "freed", "final")

    def __init__(self, ident, address, size, device, phase, layer, op):
        self.id = ident
        self.address = address
        self.bytes = size
        self.device = device
        self.op = op.name if op is not None else None
        self.op_end = op.end if op is not None else None
        self.layer = layer
        self.phase = phase
        self.category = INPUT if phase == INPUT else "temporary"
        self.classified = False  # named by what the tensor is (parameter, gradient, output, ...)
        self.kept = False  # alive when backward began
        self.saved = False  # saved by autograd for backward
        self.freed = None
        self.final = False


class EventBuilder:
    def __init__(self, layers, write):
        self.layers = layers
        self.write = write  # takes a list of trace lines
        self.live = {}  # address -> Allocation
        self.next_id = 0
        self.op_ids = {}
        self.origin = None  # the start mark's time: time 0 of the trace
        self.main_thread = None
        self.stopped = False
        self.state = INPUT
        self.pending = []
        self.pending_since = None
        self.span = None  # [phase, start] of the open phase span
        self.iteration = 0
        self.iteration_open = False
        self.iteration_ran = False  # forward (or backward, or a step) happened in the open iteration
        self.last_close = None
        self.training = False
        self.own_step = False  # inside the recorder's own optimizer-step marks
        self.current = []  # allocations not final yet
        self.buffer = []  # events, op spans and phase spans of the open iteration, in order
        self.sequence_layer = {}
        self.main_op = None
        self.loss_kind = None
        self.unmatched_frees = 0
        self.lost_frees = 0
        self.event_count = 0
        self.iterations_closed = 0
        self._new_op_lines = []

    # -- what the session tells it directly

    def add_setup(self, address, size, device, category, layer):
        """Memory that existed when recording began (time 0, phase setup)."""
        if address in self.live:
            return
        allocation = Allocation(self.next_id, address, size, device, SETUP, layer, None)
        allocation.category = category
        allocation.classified = category != "data"  # unknown tensors may still turn out to be inputs
        self.next_id += 1
        self.live[address] = allocation
        self.current.append(allocation)
        self.buffer.append(("a", None, allocation))

    def process(self, roots, payloads):
        """One chunk of the profiler's event tree; `payloads` maps mark numbers to (kind, data)."""
        for item in _tree.flatten(roots):
            kind = item[2]
            if kind == _tree.MARK:
                if self.main_thread is None:
                    self.main_thread = item[4]
                mark = payloads.get(item[3])
                if mark is not None:
                    self._on_mark(item[0], mark[0], mark[1])
            elif self.origin is None or self.stopped:
                continue
            elif kind in (_tree.OPTIMIZER_BEGIN, _tree.OPTIMIZER_END):
                if not self.own_step:
                    self._on_mark(item[0], "step_begin" if kind == _tree.OPTIMIZER_BEGIN else "step_end", {})
            elif self.state in (AFTER_FORWARD, AFTER_BACKWARD):
                self.pending.append(item)
            else:
                self._apply(item, self.state)
        self._write_final()

    # -- items whose phase is known

    def _apply(self, item, phase):
        kind = item[2]
        if kind == _tree.MEMORY:
            _, _, _, address, size, device, layer, op, thread = item
            if thread != self.main_thread:
                # Worker threads run parts of the main thread's op: it names the op and the layer.
                main = self.main_op
                op = main if main is not None and main.start <= item[0] <= main.end else None
                layer = op.layer if op is not None else -1
            if size > 0:
                self._allocate(item[0], address, size, device, phase, self._layer_for(phase, layer, op), op)
            elif size < 0:
                self._free(item[0], address)
        elif kind == _tree.OP:
            op = item[3]
            if op.thread == self.main_thread:
                self.main_op = op
                self._open_span(item[0], phase)
                self.buffer.append(("o", op.name, self._layer_for(phase, op.layer, op), phase, op.start, op.end))
        elif kind == _tree.SEQUENCE and item[5] == self.main_thread:
            sequence, layer = item[3], item[4]
            if phase == FORWARD and layer >= 0:
                self.sequence_layer[sequence] = layer
            elif phase == LOSS:
                self.sequence_layer[sequence] = self._loss_layer(None)

    def _layer_for(self, phase, layer, op):
        if phase == LOSS:
            return self._loss_layer(op)
        if phase == BACKWARD:
            if op is not None and op.backward and op.sequence >= 0:
                return self.sequence_layer.get(op.sequence, -1)
            return self._loss_layer(None)  # the engine seeding the loss's gradient, AccumulateGrad
        return layer

    def _loss_layer(self, op):
        if self.loss_kind is None:
            name = op.name if op is not None else "loss"
            self.loss_kind = name.split("::")[-1].replace("_loss", "")
        return self.layers.loss_layer(self.loss_kind)

    def _allocate(self, t, address, size, device, phase, layer, op):
        self._open_span(t, phase)
        old = self.live.pop(address, None)
        if old is not None:  # its free was not reported (freed between two chunks)
            self.lost_frees += 1
            self._release(t, old)
        allocation = Allocation(self.next_id, address, size, device, phase, layer, op)
        self.next_id += 1
        self.live[address] = allocation
        self.current.append(allocation)
        self.buffer.append(("a", t, allocation))

    def _free(self, t, address):
        allocation = self.live.pop(address, None)
        if allocation is None:
            self.unmatched_frees += 1  # allocated before recording began, and not a tensor we could see
            return
        self._release(t, allocation)

    def _release(self, t, allocation):
        allocation.freed = t
        self.buffer.append(("f", t, allocation))

    # -- phases and iterations

    def _on_mark(self, t, kind, data):
        if kind == "start":
            self.origin = t
            self.last_close = t
            return
        if self.origin is None or self.stopped:
            return
        if kind != "chunk":  # a new chunk of the profiler's results: no change of phase
            self._resolve_pending(t, kind)
        self._classify(data.get("parameters"), "parameter")
        self._release_setup(t, data.get("released"))
        if data.get("buckets"):
            self._take_buckets(data["buckets"])
        if kind == "fwd_begin":
            self._classify(data.get("inputs"), INPUT)
            self._set_phase(t, FORWARD)
        elif kind == "fwd_end":
            self._mark_saved(data.get("saved"))
            self._classify(data.get("outputs"), "output")
            if data.get("grad", True):
                self._wait_for_phase(t, AFTER_FORWARD)
            else:
                self._close_iteration(t)
        elif kind == "bwd_begin":
            self._mark_saved(data.get("saved"))
            self._classify(data.get("loss"), "output")
            self._set_phase(t, BACKWARD)
            self.training = True
            for allocation in self.current:
                if allocation.freed is None and allocation.phase in (FORWARD, LOSS):
                    allocation.kept = True
        elif kind == "bwd_end":
            self._classify(data.get("gradients"), "gradient")
            self._wait_for_phase(t, AFTER_BACKWARD)
        elif kind == "step_begin":
            self.own_step = self.own_step or data.get("own", False)
            self._set_phase(t, OPTIMIZER)
        elif kind == "step_end":
            self._classify(data.get("state"), "optimizer_state")
            self.own_step = False
            if self.state == OPTIMIZER:
                self._close_iteration(t)
        elif kind == "stop":
            # Inputs made after the last step for an iteration that never ran are not an iteration.
            self._close_iteration(t, counted=self.iteration_ran)
            self.stopped = True

    def _resolve_pending(self, t, kind):
        if self.state == AFTER_FORWARD:
            if kind == "fwd_begin":  # no backward came: that forward was an inference pass
                self._close_iteration(self.pending_since)
                phase = INPUT
            else:
                phase = LOSS
        elif self.state == AFTER_BACKWARD:
            phase = {"fwd_begin": INPUT, "bwd_begin": LOSS}.get(kind, OPTIMIZER)
        else:
            return
        items, self.pending = self.pending, []
        self.state = phase
        self._open_span(self.pending_since, phase)
        for item in items:
            self._apply(item, phase)

    def _wait_for_phase(self, t, state):
        self._close_span(t)
        self.state = state
        self.pending_since = t

    def _set_phase(self, t, phase):
        self.iteration_ran = True
        if self.state != phase:
            self._close_span(t)
        self.state = phase
        self._open_span(t, phase)

    def _open_span(self, t, phase):
        if self.span is not None and self.span[0] == phase:
            return
        self._close_span(t)
        if not self.iteration_open:
            self.iteration_open = True
            if phase == INPUT:
                t = self.last_close  # an iteration's input begins where the last one ended
        self.span = [phase, t]

    def _close_span(self, t):
        if self.span is not None:
            self.buffer.append(("p", self.span[0], self.iteration, self.span[1], t))
            self.span = None

    def _close_iteration(self, t, counted=True):
        self.state = INPUT
        self.buffer.append(("end",))  # what came before is final: frees after the last iteration too
        if not self.iteration_open and not self.current:
            return
        if counted:
            self._close_span(t)
        else:
            self.span = None
            self.iteration_open = False
        for allocation in self.current:
            allocation.final = True
            if not allocation.classified and allocation.phase != SETUP:
                allocation.category = self._category_by_phase(allocation)
        self.current = []
        self.buffer.append(("end",))
        if self.iteration_open:
            self.iteration += 1
            self.iterations_closed += 1
        self.iteration_open = False
        self.iteration_ran = False
        self.training = False
        self.sequence_layer.clear()
        self.last_close = t

    def _category_by_phase(self, allocation):
        if allocation.phase == INPUT:
            return INPUT
        if allocation.phase in (FORWARD, LOSS):
            if self.training:
                kept = allocation.kept or allocation.saved
            else:
                outlived = allocation.op_end is not None and (
                    allocation.freed is None or allocation.freed > allocation.op_end
                )
                kept = allocation.saved or outlived
            return "activation" if kept else "temporary"
        return "temporary"

    def _classify(self, entries, category):
        for entry in entries or ():
            address, layer = entry if isinstance(entry, tuple) else (entry, -1)
            allocation = self.live.get(address)
            if allocation is None or allocation.final or allocation.classified:
                continue
            allocation.category = category
            allocation.classified = True
            if layer >= 0:
                allocation.layer = layer

    def _release_setup(self, t, addresses):
        """Storages that existed before recording and are gone now: the profiler does not report their frees."""
        for address in addresses or ():
            allocation = self.live.get(address)
            if allocation is not None and allocation.phase == SETUP:
                del self.live[address]
                self._release(t, allocation)

    def _take_buckets(self, buckets):
        """DDP's gradient buckets among this iteration's allocations: for a DDP made while recording, what before
        its first forward had their sizes; for the forward that rebuilt them, the largest of what the DDP module
        itself made and still holds, up to the buckets' total (it also keeps a few bytes of bucket indices some
        forwards). The buckets they replace are freed when the first new one is made."""
        candidates = []
        for index, entry in enumerate(self.buffer):
            allocation = entry[2] if entry[0] == "a" else None
            if allocation is None or allocation.classified or allocation.freed is not None:
                continue
            if buckets["made_by"] is None and allocation.phase == INPUT and allocation.bytes in buckets["sizes"]:
                candidates.append((index, allocation))
            elif allocation.phase == FORWARD and allocation.layer == buckets["made_by"]:
                candidates.append((index, allocation))
        left = buckets["total"]
        first = None
        for index, allocation in sorted(candidates, key=lambda candidate: -candidate[1].bytes):
            if allocation.bytes > left:
                continue
            left -= allocation.bytes
            allocation.category = "gradient"
            allocation.classified = True
            allocation.layer = buckets["layer"]
            first = index if first is None else min(first, index)
        if first is None:
            return
        for address in buckets["replaces"]:
            old = self.live.pop(address, None)
            if old is not None:
                t = self.buffer[first][1]
                old.freed = t
                self.buffer.insert(first, ("f", t, old))

    def _mark_saved(self, addresses):
        for address in addresses or ():
            allocation = self.live.get(address)
            if allocation is not None and not allocation.final:
                allocation.saved = True

    # -- writing

    def finish(self):
        """After the last chunk: events are final once the stop mark closed the last iteration."""
        self._write_final()

    def _write_final(self):
        """Writes the events of every closed iteration; an open iteration's stay until it closes."""
        last_end = max((i for i, entry in enumerate(self.buffer) if entry[0] == "end"), default=-1)
        if last_end < 0:
            return
        ready, self.buffer = self.buffer[: last_end + 1], self.buffer[last_end + 1 :]
        lines = []
        for entry in ready:
            line = self._line(entry)
            if line is not None:
                lines.append(line)
        records = [_object_line(record) for record in self.layers.take_records()]
        self.write(records + self._new_op_lines + lines)
        self._new_op_lines = []
        self.event_count += sum(1 for entry in ready if entry[0] in ("a", "f"))  # once written

    def _op_id(self, name):
        if name is None:
            return -1
        ident = self.op_ids.get(name)
        if ident is None:
            ident = len(self.op_ids)
            self.op_ids[name] = ident
            self._new_op_lines.append(_object_line({"type": "op", "id": ident, "name": name}))
        return ident

    def _time(self, t):
        return 0 if t is None else t - self.origin

    def _line(self, entry):
        kind = entry[0]
        if kind == "a":
            a = entry[2]
            return '["a",%d,%d,%d,%d,%d,"%s","%s","%s"]' % (
                self._time(entry[1]), a.bytes, a.id, self._op_id(a.op), a.layer, a.phase, a.category, a.device)
        if kind == "f":
            return '["f",%d,%d]' % (self._time(entry[1]), entry[2].id)
        if kind == "o":
            _, name, layer, phase, start, end = entry
            return '["o",%d,%d,"%s",%d,%d]' % (self._op_id(name), layer, phase, self._time(start), self._time(end))
        if kind == "p":
            _, phase, iteration, start, end = entry
            if end is None:
                end = start
            return _object_line({"type": "phase", "phase": phase, "iteration": iteration,
                                 "start_ns": self._time(start), "end_ns": self._time(end)})
        return None


def _object_line(record):
    return json.dumps(record, separators=(",", ":"))
