#!/usr/bin/python3
"""A data-parallel training step on this machine's CPU (gloo), recorded by every rank, as users start such jobs.

    distributed.py spawn --world N [--zero] [--bucket-view] --out TRACE   torch.multiprocessing.spawn; each worker
                                                                          records with memoscope_record.record()
    distributed.py train [--zero]                                         one rank under torchrun, which sets RANK,
                                                                          WORLD_SIZE and MASTER_*: run it as
        torchrun --nproc_per_node N -m memoscope_record --out TRACE distributed.py train

The model is torchvision's resnet18 on 8x3x32x32 images, wrapped in DistributedDataParallel, trained with Adam
or, with --zero, with ZeroRedundancyOptimizer sharding Adam's state over the ranks: one warm-up step, then two
recorded steps. Each rank prints one JSON line with what it holds, measured in Python: parameter and buffer bytes,
gradient bytes, optimizer state bytes, and the bytes of DDP's buckets (as DDP reports them)."""

import argparse
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
import torchvision
from torch.distributed.optim import ZeroRedundancyOptimizer
from torch.nn.parallel import DistributedDataParallel

import memoscope_record


def tensor_bytes(tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


def build(zero, bucket_view):
    torch.manual_seed(0)
    model = DistributedDataParallel(torchvision.models.resnet18(num_classes=10), gradient_as_bucket_view=bucket_view)
    if zero:
        optimizer = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=torch.optim.Adam, lr=0.001)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    return model, optimizer


def step(model, optimizer):
    x = torch.randn(8, 3, 32, 32)
    y = torch.randint(0, 10, (8,))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def held(model, optimizer):
    """What this rank holds after a step's backward, measured from the objects themselves."""
    local = optimizer.optim if isinstance(optimizer, ZeroRedundancyOptimizer) else optimizer
    state = [t for values in local.state.values() for t in values.values() if torch.is_tensor(t)]
    sizes = model._get_ddp_logging_data().get("rebuilt_bucket_sizes") or model._get_ddp_logging_data()["bucket_sizes"]
    return {
        "rank": dist.get_rank(),
        "param_bytes": tensor_bytes(list(model.parameters()) + list(model.buffers())),
        "grad_bytes": tensor_bytes(p for p in model.parameters() if p.requires_grad),
        "state_bytes": tensor_bytes(state),
        "bucket_bytes": sum(int(size) for size in str(sizes).split(",")),
    }


def train(zero, bucket_view, out=None):
    model, optimizer = build(zero, bucket_view)
    step(model, optimizer)
    if out is None:  # under `python3 -m memoscope_record`, which records the whole script
        step(model, optimizer)
        step(model, optimizer)
    else:
        with memoscope_record.record(out, model=model, optimizer=optimizer, name="ddp" + (" zero" if zero else "")):
            step(model, optimizer)
            step(model, optimizer)
    # One write per line: the ranks share this pipe, and a line written in two parts can be split by another's.
    sys.stdout.write(json.dumps(held(model, optimizer)) + "\n")
    sys.stdout.flush()


def worker(rank, world, port, options):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    train(options.zero, options.bucket_view, options.out)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("how", choices=["spawn", "train"])
    parser.add_argument("--world", type=int, default=2)
    parser.add_argument("--zero", action="store_true")
    parser.add_argument("--bucket-view", action="store_true")
    parser.add_argument("--out")
    options = parser.parse_args()
    torch.set_num_threads(1)  # several ranks share this machine's cores
    if options.how == "spawn":
        mp.spawn(worker, args=(options.world, free_port(), options), nprocs=options.world)
    else:
        dist.init_process_group("gloo")
        train(options.zero, options.bucket_view)
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
