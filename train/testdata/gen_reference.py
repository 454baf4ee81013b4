#!/usr/bin/python3
"""Reference runs for train's network tests, with PyTorch 1.13.

Each run trains, in PyTorch, the network of a Go test (train/network_test.go)
on the same data and the same split (NAME_split.json, written by
`go test ./train -run TestReferenceSplits -args -update-splits`), with the same
optimizer, batch size, epochs and transforms, once per seed, and records the
test score of every seed with their mean, standard deviation and minimum in
reference.json. The Go tests require their score to be at least the mean
minus referenceTolerance (three standard deviations, at least 0.01): the
initial weights and the batch order come from another generator, so one Go
run is one more draw from this spread.

    /usr/bin/python3 train/testdata/gen_reference.py            # every run
    /usr/bin/python3 train/testdata/gen_reference.py mnist1k    # some runs

Run from the repository root. mnist10k reads ../shared/data/mnist (the files
examples/mnist-cnn.json names) and takes a few minutes on two cores.
"""

import csv
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    _, dtype, ndim = struct.unpack(">HBB", raw[:4])
    assert dtype == 0x08, "unsigned bytes"
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(name):
    with open(os.path.join(HERE, name + "_split.json")) as f:
        return json.load(f)


def mnist(images, labels):
    # ToTensor then Normalize(0.1307, 0.3081), as the specs do.
    x = read_idx(images).astype(np.float32) / 255.0
    x = (x - 0.1307) / 0.3081
    y = read_idx(labels).astype(np.int64)
    return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(y)


def cnn():
    # The CNN of examples/mnist-cnn.json and network_test.go's cnnSpec.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))


def fit(model, loss_fn, opt, x, y, batch_size, epochs, gen):
    n = x.shape[0]
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):  # the last batch may be short
            b = perm[i:i + batch_size]
            opt.zero_grad()
            loss_fn(model(x[b]), y[b]).backward()
            opt.step()


def classify(run, images, labels):
    x, y = mnist(images, labels)
    sp = load_split(run)
    assert sp["n"] == x.shape[0], (sp["n"], x.shape)
    tr, te = torch.tensor(sp["train"]), torch.tensor(sp["test"])

    def one(seed):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model = cnn()
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        fit(model, nn.CrossEntropyLoss(), opt, x[tr], y[tr], 64, 5, gen)
        model.eval()
        with torch.no_grad():
            pred = model(x[te]).argmax(1)
        return float((pred == y[te]).double().mean())

    return "accuracy", one


def diabetes():
    with open(os.path.join(ROOT, "data/datasets/diabetes.csv")) as f:
        rows = list(csv.reader(f))
    a = np.array(rows[1:], dtype=np.float64)
    x = torch.from_numpy(a[:, :-1].astype(np.float32))
    y = torch.from_numpy(a[:, -1:].astype(np.float32))
    sp = load_split("diabetes")
    assert sp["n"] == x.shape[0]
    tr, te = torch.tensor(sp["train"]), torch.tensor(sp["test"])

    def one(seed):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
        opt = torch.optim.Adam(model.parameters(), lr=0.1)
        fit(model, nn.MSELoss(), opt, x[tr], y[tr], 32, 150, gen)
        model.eval()
        with torch.no_grad():
            pred = model(x[te]).double()
        yt = y[te].double()
        return float(1 - ((yt - pred) ** 2).sum() / ((yt - yt.mean()) ** 2).sum())

    return "r2", one


RUNS = {
    "mnist1k": (lambda: classify("mnist1k", os.path.join(HERE, "mnist1k-images-idx3-ubyte.gz"),
                                 os.path.join(HERE, "mnist1k-labels-idx1-ubyte.gz")), range(10)),
    "diabetes": (diabetes, range(10)),
    "mnist10k": (lambda: classify("mnist10k", os.path.join(ROOT, "../shared/data/mnist/t10k-images-idx3-ubyte.gz"),
                                  os.path.join(ROOT, "../shared/data/mnist/t10k-labels-idx1-ubyte.gz")), range(5)),
}


def main():
    torch.set_num_threads(2)
    out_path = os.path.join(HERE, "reference.json")
    out = {"generator": "train/testdata/gen_reference.py", "runs": {}}
    if os.path.exists(out_path):
        with open(out_path) as f:
            out = json.load(f)
    out["torch"] = torch.__version__
    for name in sys.argv[1:] or list(RUNS):
        make, seeds = RUNS[name]
        metric, one = make()
        scores = []
        for s in seeds:
            scores.append(one(s))
            print(name, "seed", s, metric, round(scores[-1], 4), flush=True)
        a = np.array(scores)
        out["runs"][name] = {"metric": metric, "seeds": list(seeds), "scores": scores,
                             "mean": float(a.mean()), "std": float(a.std(ddof=1)), "min": float(a.min())}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
