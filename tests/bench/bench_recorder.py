#!/usr/bin/python3
"""Recorder overhead: the same resnet18 training loop (Adam, batch 8, 224x224) with and without memoscope_record,
in alternating pairs, each recorded loop including the recorder's start, its hooks and writing the trace.

Usage: PYTHONPATH=build/python /usr/bin/python3 tests/bench/bench_recorder.py [PAIRS] [STEPS]   (default 5 3)
Prints each pair and the median ratio. For reference, torch.profiler with profile_memory=True alone costs
1.0-1.2x on this loop here."""

import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn.functional as F
import torchvision

import memoscope_record


def main():
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    optimizer = torch.optim.Adam(model.parameters())

    def loop():
        for _ in range(steps):
            x = torch.randn(8, 3, 224, 224)
            y = torch.randint(0, 1000, (8,))
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    loop()  # warm-up: Adam's state, the allocator's first blocks
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        trace = os.path.join(folder, "bench.mtrace")
        for pair in range(pairs):
            start = time.perf_counter()
            loop()
            plain = time.perf_counter() - start
            start = time.perf_counter()
            with memoscope_record.record(trace, model=model, optimizer=optimizer):
                loop()
            recorded = time.perf_counter() - start
            ratios.append(recorded / plain)
            print("pair %d: %d steps %.2f s plain, %.2f s recorded, %.2fx" % (pair + 1, steps, plain, recorded,
                  recorded / plain), flush=True)
        events = sum(1 for line in open(trace) if line.startswith('["a"') or line.startswith('["f"'))
    print("median overhead %.2fx over %d pairs (torch %s, %d threads; last trace %d events)"
          % (statistics.median(ratios), pairs, torch.__version__, torch.get_num_threads(), events))


if __name__ == "__main__":
    main()
