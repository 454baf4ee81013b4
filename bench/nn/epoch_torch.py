"""Time full PyTorch 1.13 training epochs of the models of bench/nn/epoch.

Run from the repository root (bench/nn/run.sh does, interleaved with the Go
program):

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/nn/epoch_torch.py [--models mlp,cnn]

PyTorch gets its fastest setting on this machine: torch.set_num_threads(2)
with one OpenBLAS thread. The loop is what a user writes: a DataLoader over a
TensorDataset (shuffle, batch 64, num_workers=0), then zero_grad, forward,
CrossEntropyLoss, backward and SGD(lr=0.01, momentum=0.9) per batch.

The data are the Go program's, value for value: a splitmix64 counter hash
gives 60,000 samples of 784 values (about half zero, the rest in (0, 1]) and
the labels are the argmax of a fixed random linear teacher. The CNN takes
the first 10,000 samples as 1x28x28 images. After --warmup untimed epochs it
runs --epochs timed ones and prints, per model,

    torch MODEL BEST_SECONDS MEAN_LOSS_OF_LAST_EPOCH ALL_SECONDS...
"""
import argparse
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

FEATURES, CLASSES, BATCH = 784, 10, 64


def splitmix64(z):
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def unit(i):
    return (splitmix64(i) >> np.uint64(40)).astype(np.float64) / (1 << 24)


def make_data(n):
    with np.errstate(over="ignore"):
        x = np.maximum(0.0, 2 * unit(np.arange(n * FEATURES, dtype=np.uint64)) - 1)
        x = x.astype(np.float32).reshape(n, FEATURES)
        teacher = 2 * unit(np.uint64(1 << 40) + np.arange(FEATURES * CLASSES, dtype=np.uint64)) - 1
    scores = x.astype(np.float64) @ teacher.reshape(FEATURES, CLASSES)
    return torch.from_numpy(x), torch.from_numpy(scores.argmax(axis=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__} threads={torch.get_num_threads()}", file=sys.stderr)
    x, y = make_data(60000)
    for name in args.models.split(","):
        if name == "mlp":
            model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
            ds = TensorDataset(x, y)
        elif name == "cnn":
            model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(5408, 10))
            ds = TensorDataset(x[:10000].reshape(10000, 1, 28, 28), y[:10000])
        else:
            sys.exit(f"epoch_torch: unknown model {name!r} (want mlp or cnn)")
        dl = DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        lossf = nn.CrossEntropyLoss()
        times = []
        for e in range(args.warmup + args.epochs):
            t0 = time.perf_counter()
            total, steps = 0.0, 0
            for xb, yb in dl:
                opt.zero_grad()
                loss = lossf(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item()
                steps += 1
            sec = time.perf_counter() - t0
            loss = total / steps
            print(f"# torch {name} epoch {e}: {sec:.3f} s, loss {loss:.4f}", file=sys.stderr)
            if e >= args.warmup:
                times.append(sec)
        print(f"torch {name} {min(times):.3f} {loss:.4f} " + " ".join(f"{t:.3f}" for t in times))


if __name__ == "__main__":
    main()
