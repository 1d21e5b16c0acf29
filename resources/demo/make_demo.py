#!/usr/bin/python3
"""Regenerate Memoscope's bundled demo model and data set.

Writes, next to this script:
  digits.csv      1797 shuffled 8x8 digit images (header p0..p63,label; integers)
  README.md       where the data comes from, its format and the train/test split
  digits_cnn.pt   TorchScript (torch.jit.script) of a small CNN trained on it

Usage:  /usr/bin/python3 resources/demo/make_demo.py

Needs only Debian's python3-torch and python3-sklearn (the digits data file is
read from scikit-learn's installation; nothing is downloaded). The run is
deterministic: fixed seeds, one CPU thread.
"""

import gzip
import os
import sys

# TorchScript serialises module constants in set-iteration order, which depends
# on Python's string hash seed; pin it so digits_cnn.pt is byte-for-byte
# reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import shutil
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 0
N_TRAIN = 1437  # first 1437 rows train, last 360 rows test
EPOCHS = 8
BATCH = 64
LR = 1e-3
MIN_ACCURACY = 0.97

HERE = os.path.dirname(os.path.abspath(__file__))
CSV_PATH = os.path.join(HERE, "digits.csv")
README_PATH = os.path.join(HERE, "README.md")
MODEL_PATH = os.path.join(HERE, "digits_cnn.pt")


class DigitsNet(nn.Module):
    """Small CNN for 8x8 digits. Input: float [N, 64] raw pixels 0..16. Output: logits [N, 10]."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.relu3 = nn.ReLU()
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x / 16.0
        x = x.view(-1, 1, 8, 8)
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        x = self.pool(x)  # [N, 64, 4, 4]
        x = torch.flatten(x, 1)
        x = self.drop(self.relu3(self.fc1(x)))
        return self.fc2(x)


def sklearn_digits_path():
    import sklearn
    return os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data", "digits.csv.gz")


def load_and_shuffle():
    path = sklearn_digits_path()
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    if data.shape != (1797, 65):
        sys.exit(f"unexpected digits data shape {data.shape} in {path}")
    data = data.astype(np.int64)
    assert data[:, :64].min() >= 0 and data[:, :64].max() <= 16
    assert data[:, 64].min() >= 0 and data[:, 64].max() <= 9
    perm = np.random.RandomState(SEED).permutation(len(data))
    return data[perm]


def write_csv(data):
    header = ",".join([f"p{i}" for i in range(64)] + ["label"])
    tmp = CSV_PATH + ".tmp"
    with open(tmp, "w", newline="\n") as f:
        f.write(header + "\n")
        for row in data:
            f.write(",".join(str(int(v)) for v in row) + "\n")
    os.replace(tmp, CSV_PATH)


README = """# Demo model and data

Bundled with Memoscope so that the app has something to profile out of the box.

## Files

- `digits.csv` - 1797 handwritten digit images, 8x8 pixels, shuffled with a
  fixed seed (numpy `RandomState(0).permutation`).
- `digits_cnn.pt` - a small CNN (`DigitsNet`, about 151 k parameters) trained on
  it, saved with `torch.jit.script` in eval mode.
- `make_demo.py` - the script that produced these files (this README included).

## Data source and licence

The data is scikit-learn's copy (`sklearn/datasets/data/digits.csv.gz`, the
data behind `sklearn.datasets.load_digits`) of the test set of the UCI
*Optical Recognition of Handwritten Digits* data set (E. Alpaydin,
C. Kaynak, 1998). It is redistributed here under scikit-learn's BSD-3-Clause
licence.

## Format

`digits.csv` has a header line `p0,p1,...,p63,label` followed by one line per
sample: 64 integer pixel values 0..16 (row-major 8x8 image, `p0` top left)
and then the integer label 0..9.

## Model

`digits_cnn.pt` takes a float32 tensor `[N, 64]` of raw pixel values 0..16
(Memoscope input spec `32x64:float32:0..16`) and returns logits `[N, 10]`.
Inside `forward`: `x / 16`, view as `[N, 1, 8, 8]`, conv1 (32) + bn1 + ReLU,
conv2 (64) + bn2 + ReLU, 2x2 max pool, flatten, fc1 (128) + ReLU + dropout
(0.2), fc2 (10).

## Split

- train: the first 1437 rows
- test: the last 360 rows

Test accuracy of the bundled model: {accuracy:.2f} %.

## Regenerating

    /usr/bin/python3 resources/demo/make_demo.py

Needs only Debian's `python3-torch` (1.13) and `python3-sklearn`; nothing is
downloaded. The run is deterministic (fixed seeds, one CPU thread), and it
rewrites all three generated files.
"""


def accuracy(model, x, y):
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    return (pred == y).float().mean().item()


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    np.random.seed(SEED)

    data = load_and_shuffle()
    write_csv(data)

    x = torch.from_numpy(data[:, :64]).to(torch.float32)
    y = torch.from_numpy(data[:, 64]).to(torch.int64)
    x_train, y_train = x[:N_TRAIN], y[:N_TRAIN]
    x_test, y_test = x[N_TRAIN:], y[N_TRAIN:]

    model = DigitsNet()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(N_TRAIN, generator=gen)
        total = 0.0
        for i in range(0, N_TRAIN, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        print(f"epoch {epoch + 1}: train loss {total / N_TRAIN:.4f}, "
              f"test accuracy {100 * accuracy(model, x_test, y_test):.2f} %")

    model.eval()
    acc = accuracy(model, x_test, y_test)
    print(f"test accuracy: {100 * acc:.2f} % ({round(acc * len(y_test))}/{len(y_test)})")
    if acc < MIN_ACCURACY:
        sys.exit(f"test accuracy {acc:.4f} below {MIN_ACCURACY}")

    scripted = torch.jit.script(model)
    # Save under the final file name (the archive's inner folder is named after
    # it) in a temporary directory, then move it into place atomically.
    tmpdir = tempfile.mkdtemp(prefix=".make_demo-", dir=HERE)
    try:
        tmp = os.path.join(tmpdir, os.path.basename(MODEL_PATH))
        scripted.save(tmp)
        os.replace(tmp, MODEL_PATH)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    reloaded = torch.jit.load(MODEL_PATH)
    reloaded.eval()
    acc2 = accuracy(reloaded, x_test, y_test)
    print(f"reloaded {os.path.basename(MODEL_PATH)} ({os.path.getsize(MODEL_PATH)} bytes): "
          f"test accuracy {100 * acc2:.2f} %")
    if abs(acc2 - acc) > 1e-9:
        sys.exit("reloaded model accuracy differs from the trained model")

    tmp = README_PATH + ".tmp"
    with open(tmp, "w") as f:
        f.write(README.replace("{accuracy:.2f}", f"{100 * acc:.2f}"))
    os.replace(tmp, README_PATH)


if __name__ == "__main__":
    main()
