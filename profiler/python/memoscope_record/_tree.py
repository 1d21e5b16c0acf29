"""Reading one chunk of torch.profiler's event tree (profile_memory=True) into a flat, time-ordered list of what
the recording needs: allocations and frees with the module and top-level op they happened in, the recorder's own
marks, top-level ops, and the autograd sequence numbers forward ops were given.

Allocation nodes sit under the op that made them and under any record_function range, so the innermost
"memoscope::module#N" range names the module, and the outermost op names the top-level op. In backward the
autograd engine wraps each node in "autograd::engine::evaluate_function: <Node>", whose sequence number is that
of the forward op that created the node."""

import torch

MODULE_PREFIX = "memoscope::module#"
MARK_PREFIX = "memoscope::mark#"
OPTIMIZER_STEP_PREFIX = "Optimizer.step#"  # the range every torch.optim optimizer's step() opens
BACKWARD_NODE_PREFIX = "autograd::engine::evaluate_function: "

# Item kinds, in the order of the tuple's third field.
MEMORY, MARK, OP, SEQUENCE, OPTIMIZER_BEGIN, OPTIMIZER_END = range(6)

try:
    from torch._C._profiler import _EventType, RecordScope

    _ALLOCATION = _EventType.Allocation
    _TORCH_OP = _EventType.TorchOp
    _FUNCTION = RecordScope.FUNCTION
except ImportError:  # pragma: no cover - older layouts; compared by name below
    _ALLOCATION = _TORCH_OP = _FUNCTION = None


def _is(tag, expected, name):
    return tag == expected if expected is not None else str(tag).endswith(name)


class Op:
    """A top-level op: the outermost op of a thread (a backward node in backward)."""

    __slots__ = ("name", "start", "end", "layer", "sequence", "backward", "thread")

    def __init__(self, name, start, end, layer, sequence, backward, thread):
        self.name = name
        self.start = start
        self.end = end
        self.layer = layer  # innermost module range around it, -1 if none
        self.sequence = sequence  # a backward node's sequence number, -1 otherwise
        self.backward = backward
        self.thread = thread


def flatten(roots):
    """Items (time, order, kind, ...) sorted by time; `order` keeps the tree's order for equal times.

    MEMORY: (t, o, MEMORY, address, bytes, device, layer, op or None, thread)
    MARK: (t, o, MARK, mark number, thread)
    OP: (t, o, OP, Op)
    SEQUENCE: (t, o, SEQUENCE, sequence number, layer, thread)  for forward ops autograd will see again in backward
    OPTIMIZER_BEGIN / OPTIMIZER_END: (t, o, kind) from an optimizer's own step() range"""
    items = []
    order = 0
    stack = [(root, -1, None) for root in reversed(roots)]
    while stack:
        node, layer, op = stack.pop()
        order += 1
        tag = node.tag
        if _is(tag, _ALLOCATION, "Allocation"):
            fields = node.extra_fields
            items.append(
                (node.start_time_ns, order, MEMORY, fields.ptr, fields.alloc_size, str(fields.device), layer, op, node.start_tid)
            )
            continue
        if _is(tag, _TORCH_OP, "TorchOp"):
            layer, op = _enter_op(node, layer, op, order, items)
        for child in reversed(node.children):
            stack.append((child, layer, op))
    items.sort(key=lambda item: (item[0], item[1]))
    return items


def _enter_op(node, layer, op, order, items):
    """Adds what an op node says to `items`; returns the module layer and top-level op its children are in."""
    name = node.name
    if name.startswith("memoscope::"):
        if name.startswith(MODULE_PREFIX):
            return int(name[len(MODULE_PREFIX) :]), op
        if name.startswith(MARK_PREFIX):
            items.append((node.start_time_ns, order, MARK, int(name[len(MARK_PREFIX) :]), node.start_tid))
        return layer, op
    if name.startswith(OPTIMIZER_STEP_PREFIX):
        items.append((node.start_time_ns, order, OPTIMIZER_BEGIN))
        items.append((node.end_time_ns, order, OPTIMIZER_END))
        return layer, op
    fields = node.extra_fields
    if not _is(getattr(fields, "scope", None), _FUNCTION, "FUNCTION"):
        return layer, op  # record_function ranges, backward-function records (inside their node), TorchScript
    sequence = getattr(fields, "sequence_number", -1)
    if op is None:
        backward = name.startswith(BACKWARD_NODE_PREFIX)
        display = name[len(BACKWARD_NODE_PREFIX) :] if backward else name
        op = Op(display, node.start_time_ns, node.end_time_ns, layer, sequence if backward else -1, backward, node.start_tid)
        items.append((node.start_time_ns, order, OP, op))
    if sequence >= 0 and not op.backward:
        items.append((node.start_time_ns, order, SEQUENCE, sequence, layer, node.start_tid))
    return layer, op

