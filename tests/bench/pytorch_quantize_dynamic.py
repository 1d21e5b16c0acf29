#!/usr/bin/python3
"""PyTorch's own dynamic quantization of a fixture, for the side-by-side benchmark with Memoscope's.

Usage: pytorch_quantize_dynamic.py FIXTURE OUT.pt SHAPE[:int64:LOW..HIGH] ENGINE
Builds the fixture's eager model (same seed, same weights as make_fixtures.py), runs
torch.ao.quantization.quantize_dynamic on nn.Linear and nn.LSTM with qint8, scripts and saves the result, and
prints JSON: {"ok", "error", "top1_agreement"} (top-1 agreement with the float model on 4 random batches).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
import make_fixtures  # noqa: E402
import torch  # noqa: E402


def make_input(spec):
    parts = spec.split(":")
    shape = [int(s) for s in parts[0].split("x")]
    if len(parts) > 1 and parts[1] == "int64":
        low, high = (int(v) for v in parts[2].split(".."))
        return torch.randint(low, high + 1, shape)
    return torch.randn(shape)


def main():
    name, out, spec, engine = sys.argv[1:5]
    torch.backends.quantized.engine = engine
    torch.manual_seed(0)
    eager, _ = make_fixtures.FIXTURES[name]()
    eager.eval()
    result = {"ok": False, "error": None, "top1_agreement": None}
    try:
        quantized = torch.ao.quantization.quantize_dynamic(eager, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)
        agree = total = 0
        with torch.no_grad():
            for _ in range(4):
                x = make_input(spec)
                a, b = eager(x), quantized(x)
                agree += (a.argmax(-1) == b.argmax(-1)).sum().item()
                total += a.argmax(-1).numel()
        scripted = torch.jit.script(quantized)
        scripted.save(out)
        result.update(ok=True, top1_agreement=agree / total)
    except Exception as error:  # the point of the benchmark: say how PyTorch's tool fails
        result["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
