"""Compare torchvision's MNIST + ToTensor through a DataLoader (batch 64,
shuffled, the usual recipe) with BenchmarkLoaderMNIST (idx.Load + the
DataLoader) on the 10,000-image test set in ../shared/data/mnist, back to
back. One command, from the repository root:

    /usr/bin/python3 data/idx/testdata/bench.py
"""
import gzip
import os
import subprocess
import tempfile
import time

import torch
import torchvision.transforms as T
from torch.utils.data import DataLoader
from torchvision.datasets import MNIST

src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "data", "mnist")
root = tempfile.mkdtemp(prefix="mlforge-mnist-")
raw = os.path.join(root, "MNIST", "raw")
os.makedirs(raw)
for kind in ["images-idx3", "labels-idx1"]:
    data = gzip.open(os.path.join(src, f"t10k-{kind}-ubyte.gz")).read()
    # torchvision checks that the training files exist too; only the test
    # set is read (train=False).
    for prefix in ["t10k", "train"]:
        open(os.path.join(raw, f"{prefix}-{kind}-ubyte"), "wb").write(data)
ds = MNIST(root, train=False, transform=T.ToTensor())
torch.manual_seed(0)
best = None
for workers in [0, 2]:
    dl = DataLoader(ds, batch_size=64, shuffle=True, num_workers=workers)
    n, t0 = 0, time.perf_counter()
    for x, y in dl:
        n += 1
    py = (time.perf_counter() - t0) / n * 1e9
    print(f"torchvision MNIST+ToTensor, DataLoader num_workers={workers}: {py:.0f} ns/batch")
    best = py if best is None else min(best, py)
out = subprocess.run(["go", "test", "-run", "xxx", "-bench", "BenchmarkLoaderMNIST", "-benchtime", "2s", "./data/idx/"], capture_output=True, text=True).stdout
for line in out.splitlines():
    if line.startswith("BenchmarkLoaderMNIST"):
        go = float(line.split()[2])
        print(f"Go idx + DataLoader (2 workers): {go:.0f} ns/batch; Go/torchvision (faster setting) time ratio {go / best:.3f}")
