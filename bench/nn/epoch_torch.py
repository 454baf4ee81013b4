"""Time full PyTorch 1.13 training epochs of the models of bench/nn/epoch.

Run from the repository root (bench/nn/run.sh does, interleaved with the Go
program):

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/nn/epoch_torch.py [--models mlp,cnn,...]

PyTorch gets its fastest setting on this machine: torch.set_num_threads(2)
with one OpenBLAS thread. The loop is what a user writes: a DataLoader over a
TensorDataset (shuffle, batch 64, num_workers=0), then zero_grad, forward,
CrossEntropyLoss, backward and SGD(lr=0.01, momentum=0.9) per batch (Adam,
lr 0.001, for cnn2). The models are bench/nn/epoch's (see its doc comment):
mlp, cnn, cnn2, resnet18 (torchvision's, num_classes=10), cnn1d and
transformer.

The data are the Go program's, value for value: a splitmix64 counter hash
gives 60,000 samples of 784 values (about half zero, the rest in (0, 1]) and
the labels are the argmax of a fixed random linear teacher. The CNNs take
the first 10,000 samples as 1x28x28 images, cnn1d as 4x196 sequences and
transformer as 49 positions of 16 features; resnet18 has its own 5,000
samples of 3x32x32 values made the same way. After --warmup untimed epochs
it runs --epochs timed ones and prints, per model,

    torch MODEL BEST_SECONDS MEAN_LOSS_OF_LAST_EPOCH ALL_SECONDS...

The model "mnist" is the PyTorch side of the Go program's training spec:
the same two-convolution network on the same 8,000 MNIST training images
(train/testdata/mnist10k_split.json is that split of the t10k file, from
sklearn's train_test_split with test_size 0.2, stratify and seed 1, as the
spec asks), ToTensor and Normalize(0.1307, 0.3081) done once up front,
Adam(lr=0.001), batch 64, 5 epochs, each followed by an evaluation (loss
and accuracy, no_grad, batches of 256) on the 2,000 held-out images. Its
line gives the time of the 5 epochs as BEST_SECONDS and each epoch's time
after it.
"""
import argparse
import gzip
import json
import os
import resource
import struct
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


def make_data(n, p=FEATURES):
    with np.errstate(over="ignore"):
        x = np.maximum(0.0, 2 * unit(np.arange(n * p, dtype=np.uint64)) - 1)
        x = x.astype(np.float32).reshape(n, p)
        teacher = 2 * unit(np.uint64(1 << 40) + np.arange(p * CLASSES, dtype=np.uint64)) - 1
    scores = x.astype(np.float64) @ teacher.reshape(p, CLASSES)
    return torch.from_numpy(x), torch.from_numpy(scores.argmax(axis=1))


def cnn2():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


def model_for(name):
    """Returns the model, the sample shape and the sample count."""
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)), (784,), 60000
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(5408, 10)), (1, 28, 28), 10000
    if name == "cnn2":
        return cnn2(), (1, 28, 28), 10000
    if name == "resnet18":
        import torchvision
        return torchvision.models.resnet18(num_classes=10), (3, 32, 32), 5000
    if name == "cnn1d":
        return nn.Sequential(
            nn.Conv1d(4, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2), nn.Flatten(),
            nn.Linear(3136, 10)), (4, 196), 10000
    if name == "transformer":
        layer = nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.1, batch_first=True)
        return nn.Sequential(nn.Linear(16, 64), nn.TransformerEncoder(layer, 2, enable_nested_tensor=False),
                             nn.Flatten(), nn.Linear(3136, 10)), (49, 16), 10000
    sys.exit(f"epoch_torch: unknown model {name!r} (want mlp, cnn, cnn2, resnet18, cnn1d, transformer or mnist)")


def cpu_seconds():
    """User and system CPU time of the process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def read_idx(path):
    with open(path, "rb") as f:
        raw = gzip.decompress(f.read())
    _, dtype, ndim = struct.unpack(">HBB", raw[:4])
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def run_mnist(folder):
    x = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    x = torch.from_numpy(((x - 0.1307) / 0.3081)[:, None, :, :].copy())
    y = torch.from_numpy(read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    with open(os.path.join("train", "testdata", "mnist10k_split.json")) as f:
        sp = json.load(f)
    tr, te = torch.tensor(sp["train"]), torch.tensor(sp["test"])
    model = cnn2()
    dl = DataLoader(TensorDataset(x[tr], y[tr]), batch_size=BATCH, shuffle=True, num_workers=0)
    ev = DataLoader(TensorDataset(x[te], y[te]), batch_size=256)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    lossf = nn.CrossEntropyLoss()
    times = []
    t_all = time.perf_counter()
    for e in range(5):
        t0, c0 = time.perf_counter(), cpu_seconds()
        model.train()
        total, n = 0.0, 0
        for xb, yb in dl:
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            n += len(yb)
        model.eval()
        vl, correct, vn = 0.0, 0, 0
        with torch.no_grad():
            for xb, yb in ev:
                out = model(xb)
                vl += lossf(out, yb).item() * len(yb)
                correct += (out.argmax(1) == yb).sum().item()
                vn += len(yb)
        sec, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        times.append(sec)
        loss = total / n
        print(f"# torch mnist epoch {e + 1}: {sec:.3f} s ({cpu:.3f} s CPU) with the evaluation, loss {loss:.4f}, val_accuracy {correct / vn:.4f}", file=sys.stderr)
    fit = time.perf_counter() - t_all
    print(f"torch mnist {fit:.3f} {loss:.4f} " + " ".join(f"{t:.3f}" for t in times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mlp,cnn,cnn2,resnet18,cnn1d,transformer,mnist")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mnist", default="../shared/data/mnist")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__} threads={torch.get_num_threads()}", file=sys.stderr)
    data = {}
    for name in args.models.split(","):
        name = name.strip()
        if name == "mnist":
            run_mnist(args.mnist)
            continue
        model, shape, n = model_for(name)
        p = int(np.prod(shape))
        if p not in data:
            data[p] = make_data(60000 if p == FEATURES else n, p)
        x, y = data[p]
        ds = TensorDataset(x[:n].reshape((n,) + shape), y[:n])
        model.train()
        dl = DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=0)
        if name == "cnn2":
            opt = torch.optim.Adam(model.parameters(), lr=0.001)
        else:
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        lossf = nn.CrossEntropyLoss()
        times = []
        for e in range(args.warmup + args.epochs):
            t0, c0 = time.perf_counter(), cpu_seconds()
            total, steps = 0.0, 0
            for xb, yb in dl:
                opt.zero_grad()
                loss = lossf(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item()
                steps += 1
            sec, cpu = time.perf_counter() - t0, cpu_seconds() - c0
            loss = total / steps
            print(f"# torch {name} epoch {e}: {sec:.3f} s ({cpu:.3f} s CPU), loss {loss:.4f}", file=sys.stderr)
            if e >= args.warmup:
                times.append(sec)
        print(f"torch {name} {min(times):.3f} {loss:.4f} " + " ".join(f"{t:.3f}" for t in times))


if __name__ == "__main__":
    main()
