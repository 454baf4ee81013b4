"""Generate nn/optim/testdata/lbfgs.json: 20 steps of PyTorch 1.13's
torch.optim.LBFGS, with each step's closure re-evaluating the loss, for
line_search_fn None and "strong_wolfe", defaults and short histories.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/optim/testdata/gen_lbfgs.py

The problem has two parameters, W (3, 5) and b (4), and a loss that is not
quadratic: a chained Rosenbrock function of W's 15 values,
sum((1 - w[i])**2 + A * (w[i+1] - w[i]**2)**2) with A = 1, plus
sum(cb * (b - tb)**2 + 0.25 * (b - tb)**4). Each case records, after every
step, the loss step() returned (the closure's first value), the parameters
and the state's n_iter and func_evals.
"""
import json
import os

import torch

torch.manual_seed(11)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


W0 = torch.randn(3, 5) * 0.5
b0 = torch.randn(4)
tb = torch.randn(4)
cb = torch.rand(4) + 0.5
A = 1.0  # the Rosenbrock coupling (100 classically; 5 already amplifies float32 rounding past 1e-5)


def objective(W, b):
    w = W.reshape(-1)
    rosen = ((1 - w[:-1]) ** 2 + A * (w[1:] - w[:-1] ** 2) ** 2).sum()
    e = b - tb
    return rosen + (cb * e ** 2 + 0.25 * e ** 4).sum()


CASES = [
    ("defaults", {}),
    ("strong_wolfe", {"line_search_fn": "strong_wolfe"}),
    ("short_history", {"lr": 0.25, "max_iter": 2, "history_size": 3}),
    ("strong_wolfe_short", {"line_search_fn": "strong_wolfe", "max_iter": 5, "history_size": 2, "max_eval": 8}),
    ("strong_wolfe_tolerances", {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3, "tolerance_change": 1e-4, "lr": 0.8}),
]
cases = []
for name, kw in CASES:
    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([W, b], **kw)

    def closure():
        opt.zero_grad()
        loss = objective(W, b)
        loss.backward()
        return loss

    steps = []
    for _ in range(20):
        loss = opt.step(closure)
        st = opt.state[opt._params[0]]
        steps.append({"loss": float(loss), "W": T(W), "b": T(b), "n_iter": st["n_iter"], "func_evals": st["func_evals"]})
    cases.append({"name": name, "args": kw, "steps": steps})
    print(name, steps[-1]["loss"], steps[-1]["n_iter"], steps[-1]["func_evals"])

with open(os.path.join(ROOT, "lbfgs.json"), "w") as f:
    json.dump({"torch": torch.__version__, "A": A, "W0": T(W0), "b0": T(b0), "tb": T(tb), "cb": T(cb), "cases": cases}, f)
