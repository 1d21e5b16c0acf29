#!/usr/bin/python3
"""Record, with memoscope_record, the step Memoscope's engine profiles, on the eager model a fixture was made from.

Usage: record_step.py --fixture NAME --input SPEC [--labels SPEC] [--mode train|inference] [--optimizer sgd|adam]
                      [--lr RATE] [--iterations N] [--warmup N] --out TRACE

Each iteration does what profiler/StepRunner does: make the inputs (SHAPE: standard normal floats;
SHAPE:int64:LOW..HIGH: integers), run forward (under no_grad for inference), and in training the loss
(cross-entropy against the labels, else the mean of the output), backward, the optimizer step (SGD with
momentum 0.9, or Adam) and zero_grad(set_to_none=True). Warm-up iterations run before recording starts."""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import make_fixtures  # noqa: E402  (re-executes this script once with PYTHONHASHSEED=0, as it needs)

import memoscope_record  # noqa: E402


def make(spec):
    parts = spec.split(":")
    shape = [int(size) for size in parts[0].split("x")]
    if len(parts) >= 3 and parts[1].startswith("int"):
        low, high = (int(bound) for bound in parts[2].split(".."))
        return torch.randint(low, high + 1, shape, dtype=getattr(torch, parts[1]))
    return torch.randn(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--labels")
    parser.add_argument("--mode", default="inference")
    parser.add_argument("--optimizer", default="sgd")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()

    torch.manual_seed(0)
    model, _ = make_fixtures.FIXTURES[options.fixture]()
    training = options.mode == "train"
    model.train(training)
    optimizer = None
    if training:
        parameters = [p for p in model.parameters() if p.requires_grad]
        if options.optimizer == "adam":
            optimizer = torch.optim.Adam(parameters, lr=options.lr)
        else:
            optimizer = torch.optim.SGD(parameters, lr=options.lr, momentum=0.9)

    def step():
        inputs = make(options.input)
        labels = make(options.labels) if training and options.labels else None
        if not training:
            with torch.no_grad():
                model(inputs)
            return
        output = model(inputs)
        loss = F.cross_entropy(output, labels) if labels is not None else output.mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(options.warmup):
        step()
    with memoscope_record.record(options.out, model=model, optimizer=optimizer, name=options.fixture):
        for _ in range(options.iterations):
            step()


if __name__ == "__main__":
    main()
