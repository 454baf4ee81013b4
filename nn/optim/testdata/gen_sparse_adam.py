"""Generate nn/optim/testdata/sparse_adam.json: PyTorch 1.13's
SparseAdam over an Embedding(sparse=True) for 20 steps.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/optim/testdata/gen_sparse_adam.py

Each step looks up a batch of indices (some rows absent from some steps,
some repeated), takes loss = mse_loss(embedding(idx), target,
reduction="sum") and steps; the case records the initial weight, every
step's indices and targets, and the weight after each step.
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.abspath(__file__))

CASES = [
    ("default", {}, None),
    ("lr_betas_eps", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6}, None),
    ("maximize", {"lr": 0.01, "maximize": True}, None),
    ("padding_idx", {"lr": 0.03}, 2),
]

NUM, DIM, STEPS = 9, 4, 20
cases = []
for name, kw, pad in CASES:
    g = torch.Generator().manual_seed(len(cases) + 1)
    emb = torch.nn.Embedding(NUM, DIM, padding_idx=pad, sparse=True)
    with torch.no_grad():
        emb.weight.copy_(torch.randn(NUM, DIM, generator=g))
        if pad is not None:
            emb.weight[pad].zero_()
    w0 = emb.weight.detach().clone()
    opt = torch.optim.SparseAdam(emb.parameters(), **{k: tuple(v) if k == "betas" else v for k, v in kw.items()})
    steps = []
    for s in range(STEPS):
        # rows 0..5 most steps, 6..8 now and then: absent rows must keep
        # their moments and weights.
        n = 5
        idx = torch.randint(0, 6 if s % 3 else NUM, (n,), generator=g)
        target = torch.randn(n, DIM, generator=g)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(emb(idx), target, reduction="sum")
        loss.backward()
        opt.step()
        steps.append({"idx": idx.tolist(), "target": target.flatten().tolist(), "weight": emb.weight.detach().flatten().tolist()})
    cases.append({"name": name, "args": kw, "num": NUM, "dim": DIM, "padding_idx": pad,
                  "weight0": w0.flatten().tolist(), "steps": steps})

with open(os.path.join(ROOT, "sparse_adam.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=0)
