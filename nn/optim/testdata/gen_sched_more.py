"""Generate nn/optim/testdata/sched_more.json: PyTorch 1.13's learning
rates (and momenta, for the cyclic schedulers) of MultiStepLR, ConstantLR,
LinearLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR,
SequentialLR, ChainedScheduler and LambdaLR (its named forms as Python
lambdas, lr_lambda below).

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/optim/testdata/gen_sched_more.py

Each case records the rate after construction (lr0) and after each of 25
steps (30 for CyclicLR's named scale_fn forms, scale_fn below); where CyclicLR or OneCycleLR is used also the momentum (SGD's momentum or
Adam's beta1). Schedulers inside SequentialLR and ChainedScheduler are
written as objects with a "type", as mlforge's spec takes them.
"""
import json
import math
import os
import warnings

import torch

warnings.simplefilter("ignore")
ROOT = os.path.dirname(os.path.abspath(__file__))
S = torch.optim.lr_scheduler

CASES = [
    ("multistep", "SGD", {"lr": 0.5}, "MultiStepLR", {"milestones": [3, 7, 7, 12], "gamma": 0.5}),
    ("constant_default", "SGD", {"lr": 0.5}, "ConstantLR", {}),
    ("constant", "SGD", {"lr": 0.5}, "ConstantLR", {"factor": 0.25, "total_iters": 4}),
    ("linear_default", "SGD", {"lr": 0.5}, "LinearLR", {}),
    ("linear_down", "SGD", {"lr": 0.5}, "LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 8}),
    ("polynomial_default", "SGD", {"lr": 0.5}, "PolynomialLR", {}),
    ("polynomial", "SGD", {"lr": 0.5}, "PolynomialLR", {"total_iters": 10, "power": 2.5}),
    ("warm_restarts", "SGD", {"lr": 0.5}, "CosineAnnealingWarmRestarts", {"T_0": 4, "eta_min": 0.01}),
    ("warm_restarts_mult", "SGD", {"lr": 0.5}, "CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 2}),
    ("cyclic_triangular", "SGD", {"lr": 0.5, "momentum": 0.9}, "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    ("cyclic_triangular2", "SGD", {"lr": 0.5, "momentum": 0.9}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 2, "mode": "triangular2", "base_momentum": 0.7, "max_momentum": 0.95}),
    ("cyclic_exp_range", "RMSprop", {"lr": 0.5, "momentum": 0.5}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range", "gamma": 0.9}),
    ("cyclic_no_momentum", "Adam", {"lr": 0.5}, "CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 2, "cycle_momentum": False}),
    ("onecycle", "SGD", {"lr": 0.5, "momentum": 0.9}, "OneCycleLR", {"max_lr": 0.2, "total_steps": 25}),
    ("onecycle_adam_linear", "Adam", {"lr": 0.5}, "OneCycleLR",
     {"max_lr": 0.05, "epochs": 5, "steps_per_epoch": 5, "anneal_strategy": "linear", "pct_start": 0.4}),
    ("onecycle_three_phase", "SGD", {"lr": 0.5, "momentum": 0.9}, "OneCycleLR",
     {"max_lr": 0.3, "total_steps": 25, "three_phase": True, "div_factor": 10, "final_div_factor": 100}),
    ("sequential", "SGD", {"lr": 0.5}, "SequentialLR",
     {"schedulers": [{"type": "LinearLR", "start_factor": 0.1, "total_iters": 4}, {"type": "ExponentialLR", "gamma": 0.9}], "milestones": [5]}),
    ("sequential_three", "SGD", {"lr": 0.5}, "SequentialLR",
     {"schedulers": [{"type": "ConstantLR", "factor": 0.5, "total_iters": 2}, {"type": "CosineAnnealingLR", "T_max": 6},
                     {"type": "MultiStepLR", "milestones": [0, 3, 5], "gamma": 0.5}], "milestones": [4, 14]}),
    ("sequential_warm", "SGD", {"lr": 0.5}, "SequentialLR",
     {"schedulers": [{"type": "StepLR", "step_size": 2, "gamma": 0.5}, {"type": "CosineAnnealingWarmRestarts", "T_0": 3}], "milestones": [6]}),
    ("sequential_cyclic_exp", "SGD", {"lr": 0.5, "momentum": 0.9}, "SequentialLR",
     {"schedulers": [{"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}, {"type": "ExponentialLR", "gamma": 0.9}],
      "milestones": [7]}),
    ("sequential_linear_onecycle", "SGD", {"lr": 0.5, "momentum": 0.9}, "SequentialLR",
     {"schedulers": [{"type": "LinearLR", "start_factor": 0.5, "total_iters": 3}, {"type": "OneCycleLR", "max_lr": 0.3, "total_steps": 22}],
      "milestones": [4]}),
    ("chained_exp_cyclic", "SGD", {"lr": 0.5, "momentum": 0.9}, "ChainedScheduler",
     {"schedulers": [{"type": "ExponentialLR", "gamma": 0.9}, {"type": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2}]}),
    ("cyclic_scale_halving_cycle", "SGD", {"lr": 0.5, "momentum": 0.9}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 2, "scale_fn": "halving", "scale_mode": "cycle"}),
    ("cyclic_scale_halving_iterations", "SGD", {"lr": 0.5, "momentum": 0.9}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "scale_fn": "halving", "scale_mode": "iterations"}),
    ("cyclic_scale_exponential_cycle", "RMSprop", {"lr": 0.5, "momentum": 0.5}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_fn": "exponential", "gamma": 0.7, "scale_mode": "cycle", "mode": "triangular2"}),
    ("cyclic_scale_exponential_iterations", "SGD", {"lr": 0.5, "momentum": 0.9}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "scale_fn": "exponential", "gamma": 0.95, "scale_mode": "iterations"}),
    ("cyclic_scale_constant_iterations", "SGD", {"lr": 0.5, "momentum": 0.9}, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range", "gamma": 0.5, "scale_fn": "constant", "scale_mode": "iterations"}),
    ("lambda_constant", "SGD", {"lr": 0.5}, "LambdaLR", {"lr_lambda": "constant"}),
    ("lambda_exponential", "SGD", {"lr": 0.5}, "LambdaLR", {"lr_lambda": "exponential", "gamma": 0.9}),
    ("lambda_step", "Adam", {"lr": 0.5}, "LambdaLR", {"lr_lambda": "step", "gamma": 0.5, "step_size": 4}),
    ("lambda_linear_warmup", "SGD", {"lr": 0.5}, "LambdaLR", {"lr_lambda": "linear_warmup", "warmup_epochs": 6}),
    ("lambda_linear_decay", "SGD", {"lr": 0.5}, "LambdaLR", {"lr_lambda": "linear_decay", "total_epochs": 20}),
    ("lambda_warmup_cosine", "SGD", {"lr": 0.5}, "LambdaLR", {"lr_lambda": "warmup_cosine", "warmup_epochs": 3, "total_epochs": 18}),
    ("sequential_lambda", "SGD", {"lr": 0.5}, "SequentialLR",
     {"schedulers": [{"type": "LambdaLR", "lr_lambda": "linear_warmup", "warmup_epochs": 4}, {"type": "ExponentialLR", "gamma": 0.9},
                     {"type": "LambdaLR", "lr_lambda": "exponential", "gamma": 0.8}], "milestones": [4, 10]}),
    ("chained_lambda", "SGD", {"lr": 0.5}, "ChainedScheduler",
     {"schedulers": [{"type": "LambdaLR", "lr_lambda": "linear_warmup", "warmup_epochs": 3}, {"type": "StepLR", "step_size": 5, "gamma": 0.5}]}),
    ("chained", "SGD", {"lr": 0.5}, "ChainedScheduler",
     {"schedulers": [{"type": "ConstantLR", "factor": 0.1, "total_iters": 2}, {"type": "ExponentialLR", "gamma": 0.9}]}),
    ("chained_three", "SGD", {"lr": 0.5}, "ChainedScheduler",
     {"schedulers": [{"type": "LinearLR", "total_iters": 3}, {"type": "StepLR", "step_size": 4, "gamma": 0.5},
                     {"type": "CosineAnnealingWarmRestarts", "T_0": 5, "eta_min": 0.001}]}),
]


def lr_lambda(a):
    """LambdaLR's named forms (nn/optim/sched_lambda.go) as the Python
    lambdas they stand for."""
    g, k, w, T = a.get("gamma", 0.1), a.get("step_size", 1), a.get("warmup_epochs", 5), a.get("total_epochs", 0)
    return {
        "constant": lambda e: 1.0,
        "exponential": lambda e: g ** e,
        "step": lambda e: g ** (e // k),
        "linear_warmup": lambda e: min(1.0, (e + 1) / w),
        "linear_decay": lambda e: max(0.0, 1 - e / T),
        "warmup_cosine": lambda e: (e + 1) / w if e < w else
        0.5 * (1 + math.cos(math.pi * min(1.0, (e - w) / max(1, T - w)))),
    }[a["lr_lambda"]]


def scale_fn(a):
    """CyclicLR's named scale_fn forms (nn/optim/sched_more.go) as the
    Python lambdas they stand for."""
    g = a.get("gamma", 1.0)
    return {
        "constant": lambda x: 1.0,
        "halving": lambda x: 1 / (2.0 ** (x - 1)),
        "exponential": lambda x: g ** x,
    }[a["scale_fn"]]


def make(opt, name, kw):
    if name == "CyclicLR" and "scale_fn" in kw:
        return S.CyclicLR(opt, **dict(kw, scale_fn=scale_fn(kw)))
    if name == "LambdaLR":
        return S.LambdaLR(opt, lr_lambda(kw))
    return getattr(S, name)(opt, **kw)


def build(opt, name, args):
    if name in ("SequentialLR", "ChainedScheduler"):
        subs = []
        for spec in args["schedulers"]:
            kw = {k: v for k, v in spec.items() if k != "type"}
            subs.append(make(opt, spec["type"], kw))
        if name == "SequentialLR":
            return S.SequentialLR(opt, subs, milestones=args["milestones"])
        return S.ChainedScheduler(subs)
    return make(opt, name, args)


def momentum(opt):
    g = opt.param_groups[0]
    return g["betas"][0] if "betas" in g else g.get("momentum", 0.0)


cases = []
for case, opt_name, opt_args, name, args in CASES:
    p = torch.zeros(2, requires_grad=True)
    opt = getattr(torch.optim, opt_name)([p], **opt_args)
    s = build(opt, name, args)
    lr0, m0 = opt.param_groups[0]["lr"], momentum(opt)
    lrs, moms = [], []
    # 30 steps with a scale_fn: more than one cycle of every case.
    for _ in range(30 if "scale_fn" in args else 25):
        opt.step()
        s.step()
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(momentum(opt))
    c = {"name": case, "optimizer": opt_name, "optimizer_args": opt_args, "scheduler": name, "args": args, "lr0": lr0, "lrs": lrs}
    if name in ("CyclicLR", "OneCycleLR") or any(sp["type"] in ("CyclicLR", "OneCycleLR") for sp in args.get("schedulers", [])):
        c["momentum0"], c["momenta"] = m0, moms
    cases.append(c)

with open(os.path.join(ROOT, "sched_more.json"), "w") as f:
    json.dump({"torch": torch.__version__, "schedulers": cases}, f, indent=0)
