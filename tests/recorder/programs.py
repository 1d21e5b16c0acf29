#!/usr/bin/python3
"""Small PyTorch programs the recorder tests record, as users write them.

    programs.py unscriptable   train a model TorchScript cannot compile, 2 steps (prints why scripting fails)
    programs.py region         5 steps of which memoscope_record.start()..stop() covers the middle 3
    programs.py raises TRACE   record(TRACE) around a step that raises
    programs.py killed TRACE   record(TRACE) and the process killed (SIGKILL) in the middle of it
    programs.py broken TRACE   record(TRACE) with the recorder failing at its third chunk: the program goes on
"""

import os
import signal
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import memoscope_record


class Router(nn.Module):
    """Research-style code: its experts live in a plain dict (not a ModuleDict), and forward decides in Python, on
    the data, how many times and in which order they run."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(32, 64)
        self.experts = {
            "small": nn.Linear(64, 64),
            "large": nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 64)),
        }
        self.head = nn.Linear(64, 10)

    def expert_parameters(self):
        return [p for expert in self.experts.values() for p in expert.parameters()]

    def forward(self, x):
        h = F.relu(self.stem(x))
        order = ["large", "small"] if h.mean().item() > 0 else ["small", "large"]
        for _ in range(1 + int(h.abs().sum().item()) % 2):
            for name in order:
                h = h + self.experts[name](h)
        return self.head(h)


def mlp():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def train(model, optimizer, steps, features=64):
    for _ in range(steps):
        x = torch.randn(16, features)
        y = torch.randint(0, 10, (16,))
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


def unscriptable():
    torch.manual_seed(0)
    model = Router()
    try:
        torch.jit.script(model)
        print("scripting worked")
    except Exception as error:  # what Memoscope's engine would need, and cannot have
        print("scripting failed: %s" % next(line for line in str(error).splitlines() if line.strip()))
    optimizer = torch.optim.SGD(list(model.parameters()) + model.expert_parameters(), lr=0.01, momentum=0.9)
    train(model, optimizer, 2, features=32)


def region():
    torch.manual_seed(0)
    model = mlp()
    optimizer = torch.optim.Adam(model.parameters())
    train(model, optimizer, 1)
    memoscope_record.start(model=model, optimizer=optimizer, name="middle steps")
    train(model, optimizer, 3)
    memoscope_record.stop()
    train(model, optimizer, 1)


def raises(trace):
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    with memoscope_record.record(trace, model=model, optimizer=optimizer):
        train(model, optimizer, 1)
        model(torch.randn(4, 65))  # the wrong width: a RuntimeError inside the recorded region


def killed(trace):
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    memoscope_record.start(trace, model=model, optimizer=optimizer)
    train(model, optimizer, 3)  # each step boundary writes a chunk (MEMOSCOPE_RECORD_FLUSH_SECONDS=0)
    model(torch.randn(16, 64))
    os.kill(os.getpid(), signal.SIGKILL)


def broken(trace):
    import memoscope_record._tree as tree

    read = tree.flatten
    chunks = []

    def fail_at_the_third(roots):
        chunks.append(roots)
        if len(chunks) == 3:
            raise ValueError("an event tree this recorder cannot read")
        return read(roots)

    tree.flatten = fail_at_the_third
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    with memoscope_record.record(trace, model=model, optimizer=optimizer):
        train(model, optimizer, 3)  # a chunk per step boundary (MEMOSCOPE_RECORD_FLUSH_SECONDS=0); the third fails
    print("the program finished its 3 steps")


if __name__ == "__main__":
    command = sys.argv[1]
    if command in ("raises", "killed", "broken"):
        globals()[command](sys.argv[2])
    else:
        globals()[command]()
