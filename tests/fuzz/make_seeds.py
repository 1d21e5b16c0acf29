#!/usr/bin/python3
"""Seed corpora for the fuzz targets: make_seeds.py OUTDIR writes OUTDIR/<target>/ for every target below.

Small, real inputs: libFuzzer mutates from them, so each seed should reach a different part of the code.
Run with Debian's /usr/bin/python3 (torch 1.13). Writes nothing that already exists, so reruns are cheap.
"""
import io
import os
import sys
import zipfile


def archive_seeds(folder):
    import torch

    class WithConstant(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x) + torch.tensor([1.0, 2.0])  # a tensor constant: constants.pkl and its storage

    models = {
        "linear": torch.nn.Linear(4, 2),
        "conv_bn": torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU()),
        "constant": WithConstant(),
        "int8_dynamic": torch.quantization.quantize_dynamic(torch.nn.Sequential(torch.nn.Linear(4, 4)), dtype=torch.qint8),
        "embedding_half": torch.nn.Embedding(5, 3).half(),
    }
    for name, model in models.items():
        buffer = io.BytesIO()
        torch.jit.save(torch.jit.script(model), buffer)
        data = buffer.getvalue()
        write(folder, name + ".pt", data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pickle = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
            write(folder, name + ".data.pkl", archive.read(pickle))
            # The same records deflated: LibTorch reads compressed records too.
            deflated = io.BytesIO()
            with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as out:
                for info in archive.infolist():
                    out.writestr(info.filename, archive.read(info.filename))
            write(folder, name + ".deflated.pt", deflated.getvalue())


def write(folder, name, data):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        with open(path, "wb") as out:
            out.write(data)


def input_spec_seeds(folder):
    specs = ["8x3x224x224", "4x128:int64:0..7999", "32x64:0..16", "5:float32:-1.5..2.5", "2x2:bool", "int:16000",
             "float:0.5", "bool:true", "str:hello", 'str:"a,b]"', "none", "[3x320x320,3x240x320]", "(2x2,int:1)",
             "(4x4,)", "{boxes:1x4,labels:1:int64:1..90}", "[{a:[1x2,(int:3,none)]}]", "[]", "8x64:float16:0..1e5",
             "/dev/null", "[/tmp]"]
    for i, spec in enumerate(specs):
        write(folder, f"spec{i}.txt", spec.encode())


TARGETS = {
    "fuzz_model_archive": archive_seeds,
    "fuzz_input_spec": input_spec_seeds,
}

if __name__ == "__main__":
    for target, make in TARGETS.items():
        folder = os.path.join(sys.argv[1], target)
        os.makedirs(folder, exist_ok=True)
        make(folder)
