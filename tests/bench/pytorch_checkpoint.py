#!/usr/bin/python3
"""PyTorch's own gradient checkpointing on the resnet18 fixture, for bench_checkpointing to compare with
Memoscope's: the same TorchScript file, the same segments (layer1..layer4) and the same step as
`memoscope-cli profile --mode train` (a float32 normal input, the mean of the output as the loss, backward, SGD
with momentum 0.9, zero_grad(set_to_none=True)), with and without torch.utils.checkpoint.

Peak bytes: what existed before the step (parameters, buffers, momentum) plus the highest running sum of the
[memory] events torch.profiler(profile_memory=True) saw during one step. Step time: median of steps run
without the profiler.

With --sequential, any torchvision classifier (efficientnet_b0, resnet50, ...): its trunk flattened into a chain
of blocks (the stem's layers, every block of every stage, the last layers before pooling) and checkpointed with
torch.utils.checkpoint.checkpoint_sequential in round(sqrt(n)) segments, as its documentation suggests.

Usage: pytorch_checkpoint.py MODEL.pt BATCH [STEPS=3] [THREADS=0] [--sequential]   (prints JSON)
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.profiler as tp
import torch.utils.checkpoint as cp

SEGMENTS = ["layer1", "layer2", "layer3", "layer4"]


def forward(model, x, checkpointed):
    # torchvision's ResNet._forward_impl, with the four stages optionally checkpointed.
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    for name in SEGMENTS:
        stage = getattr(model, name)
        x = cp.checkpoint(stage, x, use_reentrant=True) if checkpointed else stage(x)
    return model.fc(torch.flatten(model.avgpool(x), 1))


def trunk_blocks(model):
    """The modules before global pooling, in order, with every stage (a Sequential of blocks) opened up."""
    if hasattr(model, "features"):  # efficientnet, mobilenet, ...
        stages = list(model.features.children())
    else:  # resnet
        stages = [model.conv1, model.bn1, model.relu, model.maxpool,
                  model.layer1, model.layer2, model.layer3, model.layer4]
    blocks = []
    for stage in stages:
        children = list(stage.children())
        opened = children and all(list(child.children()) for child in children) and stage.original_name == "Sequential"
        blocks += children if opened else [stage]
    return blocks


def forward_sequential(model, x, checkpointed):
    trunk = torch.nn.Sequential(*trunk_blocks(model))
    if checkpointed:
        x = cp.checkpoint_sequential(trunk, max(1, round(math.sqrt(len(trunk)))), x)
    else:
        x = trunk(x)
    x = torch.flatten(model.avgpool(x), 1)
    return model.classifier(x) if hasattr(model, "classifier") else model.fc(x)


def held_bytes(model, optimizer):
    tensors = list(model.parameters()) + list(model.buffers())
    for state in optimizer.state.values():
        tensors += [t for t in state.values() if torch.is_tensor(t)]
    return sum(t.numel() * t.element_size() for t in tensors)


def measure(path, batch, steps, checkpointed, sequential):
    torch.manual_seed(0)
    model = torch.jit.load(path)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        x = torch.empty(batch, 3, 224, 224).normal_()
        x.requires_grad_(checkpointed)  # reentrant checkpointing needs an input that requires grad
        loss = (forward_sequential if sequential else forward)(model, x, checkpointed).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()  # warm-up: momentum buffers are made here, as in Memoscope's warm-up iteration
    before = held_bytes(model, optimizer)
    with tp.profile(activities=[tp.ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    memory = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                    key=lambda e: e.start_us())
    live = peak = 0
    for event in memory:
        live += event.nbytes()
        peak = max(peak, live)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return {"peak_bytes": before + peak, "step_ms": statistics.median(times)}


def main():
    sequential = "--sequential" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--sequential"]
    path, batch = args[0], int(args[1])
    steps = int(args[2]) if len(args) > 2 else 3
    if len(args) > 3 and int(args[3]) > 0:
        torch.set_num_threads(int(args[3]))
    torch._C._set_graph_executor_optimize(False)
    print(json.dumps({"plain": measure(path, batch, steps, False, sequential),
                      "checkpointed": measure(path, batch, steps, True, sequential)}))


if __name__ == "__main__":
    main()
