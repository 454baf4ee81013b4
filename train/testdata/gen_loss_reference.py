#!/usr/bin/python3
"""Reference runs for train's TestLossesFromClassLabels, with PyTorch 1.13.

Each run trains, in PyTorch, the iris network of the Go test
(train/loss_targets_test.go: Linear(4, 16), ReLU, Linear(16, 3), Adam lr
0.01, batch 16, 60 epochs) on the split mlforge makes (iris_split.json,
written by `go test ./train -run TestLossesFromClassLabels -args
-update-splits`), with a loss whose targets are made from the class labels
as mlforge makes them (nn.ClassTargets): one-hot floats for
BCEWithLogitsLoss, MultiLabelSoftMarginLoss, MSELoss and HuberLoss, the
class indices for MultiMarginLoss. It records the test accuracy of every
seed with their mean, standard deviation and minimum in
loss_reference.json; the Go test requires at least the mean minus three
standard deviations (at least 0.01), as for reference.json.

    /usr/bin/python3 train/testdata/gen_loss_reference.py

Run from anywhere; it takes a few seconds on two cores.
"""

import csv
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

LOSSES = {
    "iris_bce_logits": (nn.BCEWithLogitsLoss, True),
    "iris_multilabel_soft_margin": (nn.MultiLabelSoftMarginLoss, True),
    "iris_mse_one_hot": (nn.MSELoss, True),
    "iris_huber": (lambda: nn.HuberLoss(delta=0.5), True),
    "iris_multi_margin": (nn.MultiMarginLoss, False),
}


def main():
    torch.set_num_threads(2)
    with open(os.path.join(ROOT, "data/datasets/iris.csv")) as f:
        rows = list(csv.reader(f))[1:]
    classes = sorted({r[-1] for r in rows})
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows], dtype=torch.float32)
    y = torch.tensor([classes.index(r[-1]) for r in rows])
    with open(os.path.join(HERE, "iris_split.json")) as f:
        sp = json.load(f)
    assert sp["n"] == x.shape[0]
    tr, te = torch.tensor(sp["train"]), torch.tensor(sp["test"])
    out = {"generator": "train/testdata/gen_loss_reference.py", "torch": torch.__version__, "runs": {}}
    seeds = list(range(10))
    for name, (make, one_hot) in LOSSES.items():
        scores = []
        for seed in seeds:
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
            opt = torch.optim.Adam(model.parameters(), lr=0.01)
            loss_fn = make()
            xt, yt = x[tr], y[tr]
            target = nn.functional.one_hot(yt, 3).float() if one_hot else yt
            for _ in range(60):
                model.train()
                perm = torch.randperm(xt.shape[0], generator=gen)
                for i in range(0, xt.shape[0], 16):
                    b = perm[i:i + 16]
                    opt.zero_grad()
                    loss_fn(model(xt[b]), target[b]).backward()
                    opt.step()
            model.eval()
            with torch.no_grad():
                pred = model(x[te]).argmax(1)
            scores.append(float((pred == y[te]).double().mean()))
            print(name, "seed", seed, "accuracy", round(scores[-1], 4), flush=True)
        a = np.array(scores)
        out["runs"][name] = {"metric": "accuracy", "seeds": seeds, "scores": scores,
                             "mean": float(a.mean()), "std": float(a.std(ddof=1)), "min": float(a.min())}
    with open(os.path.join(HERE, "loss_reference.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
