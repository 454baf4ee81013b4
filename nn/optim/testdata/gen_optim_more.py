"""Generate nn/optim/testdata/optim_more.json: 20-step trajectories of
PyTorch 1.13's Adadelta, Adamax, ASGD, RAdam and Rprop, and of maximize and
weight_decay on every optimizer that has them.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/optim/testdata/gen_optim_more.py

The problem is nadam.json's: minimise sum(coef * (p - target)**2) from p0
(maximize cases maximise -sum(...), the same trajectory), the gradient
formed by autograd; each case records p after every step.
"""
import json
import os

import torch

torch.manual_seed(7)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


p0 = torch.randn(3, 5)
target = torch.randn(3, 5)
coef = torch.rand(3, 5) * 2 + 0.1
CASES = [
    ("Adadelta", "defaults", {}),
    ("Adadelta", "lr_rho", {"lr": 0.5, "rho": 0.8, "eps": 1e-5}),
    ("Adadelta", "weight_decay_maximize", {"weight_decay": 0.1, "maximize": True}),
    ("Adamax", "defaults", {}),
    ("Adamax", "lr_betas", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6}),
    ("Adamax", "weight_decay_maximize", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("ASGD", "defaults", {}),
    ("ASGD", "averaging", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5}),
    ("ASGD", "weight_decay_maximize", {"lr": 0.02, "weight_decay": 0.1, "t0": 3, "maximize": True}),
    ("RAdam", "defaults", {}),
    ("RAdam", "rectified_early", {"lr": 0.05, "betas": [0.8, 0.9]}),
    ("RAdam", "weight_decay", {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-6}),
    ("Rprop", "defaults", {}),
    ("Rprop", "etas_step_sizes", {"lr": 0.1, "etas": [0.3, 1.5], "step_sizes": [0.01, 0.2]}),
    ("Rprop", "maximize", {"lr": 0.05, "maximize": True}),
    ("SGD", "maximize_momentum", {"lr": 0.05, "momentum": 0.9, "maximize": True}),
    ("SGD", "maximize_plain_wd", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adam", "maximize_amsgrad", {"lr": 0.05, "amsgrad": True, "maximize": True, "weight_decay": 0.05}),
    ("AdamW", "maximize", {"lr": 0.05, "maximize": True}),
    ("AdamW", "amsgrad", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("RMSprop", "maximize_centered", {"lr": 0.01, "momentum": 0.5, "centered": True, "maximize": True, "weight_decay": 0.1}),
    ("Adagrad", "maximize", {"lr": 0.1, "lr_decay": 0.01, "maximize": True, "weight_decay": 0.1}),
]
cases = []
for opt_name, name, kw in CASES:
    p = p0.clone().requires_grad_(True)
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}
    opt = getattr(torch.optim, opt_name)([p], **args)
    sign = -1.0 if kw.get("maximize") else 1.0
    traj = []
    for _ in range(20):
        opt.zero_grad()
        (sign * (coef * (p - target) ** 2).sum()).backward()
        opt.step()
        traj.append(T(p))
    cases.append({"name": opt_name + "_" + name, "optimizer": opt_name, "maximize": bool(kw.get("maximize")), "args": kw, "trajectory": traj})

with open(os.path.join(ROOT, "optim_more.json"), "w") as f:
    json.dump({"torch": torch.__version__, "p0": T(p0), "target": T(target), "coef": T(coef), "optimizers": cases}, f)
