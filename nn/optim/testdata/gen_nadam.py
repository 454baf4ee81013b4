"""Generate nn/optim/testdata/nadam.json: 20-step trajectories of PyTorch's NAdam.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/optim/testdata/gen_nadam.py

The problem is optim.json's: minimise sum(coef * (p - target)**2) from p0,
with the gradient 2*coef*(p - target) formed by autograd. Each case records
p after every step, for the defaults and for non-default arguments.
"""
import json
import os

import torch

torch.manual_seed(5)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


p0 = torch.randn(3, 5)
target = torch.randn(3, 5)
coef = torch.rand(3, 5) * 2 + 0.1
cases = []
for name, kw in [
    ("defaults", {}),
    ("lr_betas", {"lr": 0.05, "betas": [0.8, 0.99]}),
    ("weight_decay", {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-6}),
    ("momentum_decay", {"lr": 0.02, "momentum_decay": 0.05}),
]:
    p = p0.clone().requires_grad_(True)
    opt = torch.optim.NAdam([p], **{k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()})
    traj = []
    for _ in range(20):
        opt.zero_grad()
        ((coef * (p - target) ** 2).sum()).backward()
        opt.step()
        traj.append(T(p))
    cases.append({"name": name, "optimizer": "NAdam", "args": kw, "trajectory": traj})

with open(os.path.join(ROOT, "nadam.json"), "w") as f:
    json.dump({"torch": torch.__version__, "p0": T(p0), "target": T(target), "coef": T(coef), "optimizers": cases}, f)
