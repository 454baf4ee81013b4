"""Generate nn/testdata/activations_more.json: PyTorch 1.13's ELU, CELU,
SELU, PReLU, RReLU (evaluation mode), GLU, Softmin and Softmax2d on fixed
inputs, with inplace=True where PyTorch has it, and the moments of
RReLU's random slopes in training.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_activations_more.py

Each case is a layer fixture as nn's checkLayerCase reads it (PReLU's
weight as state and its gradient). Inputs include 0 and both signs.
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(31)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, typ, args, x, train=True, setup=None):
    m = getattr(nn, typ)(**args)
    if setup:
        setup(m)
    m.train(train)
    x = x.clone().to(torch.float32).requires_grad_(True)
    out = m(x * 1.0 if args.get("inplace") else x)  # inplace needs a non-leaf
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    state = {k: T(v) for k, v in m.state_dict().items()}
    pgrads = {k: T(p.grad) for k, p in m.named_parameters()}
    cases.append({"name": name, "type": typ, "args": args, "train": train, "input": T(x), "state": state,
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": pgrads})


x = torch.randn(3, 4, 5) * 2
x[0, 0, :3] = torch.tensor([0.0, -1e-6, 1e-6])
for typ, args in [("ELU", {}), ("ELU", {"alpha": 0.5, "inplace": True}), ("ELU", {"alpha": -1.5}),
                  ("CELU", {}), ("CELU", {"alpha": 2.5, "inplace": True}), ("CELU", {"alpha": 0.3}),
                  ("SELU", {}), ("SELU", {"inplace": True})]:
    case("%s_%s" % (typ.lower(), "_".join("%s%s" % kv for kv in args.items()) or "default"), typ, args, x)

case("prelu_default", "PReLU", {}, x)
case("prelu_channels", "PReLU", {"num_parameters": 4}, x,
     setup=lambda m: m.weight.data.copy_(torch.tensor([0.1, -0.3, 0.5, 2.0])))
case("prelu_channels_4d", "PReLU", {"num_parameters": 3, "init": 0.05}, torch.randn(2, 3, 2, 3))
case("prelu_1d", "PReLU", {"init": 0.7}, torch.randn(7))
case("rrelu_eval", "RReLU", {}, x, train=False)
case("rrelu_eval_bounds_inplace", "RReLU", {"lower": 0.2, "upper": 0.6, "inplace": True}, x, train=False)
case("glu_last", "GLU", {}, torch.randn(3, 6))
case("glu_dim1", "GLU", {"dim": 1}, x)
case("glu_dim0", "GLU", {"dim": 0}, torch.randn(4, 3, 2))
case("softmin_default_2d", "Softmin", {}, torch.randn(3, 5))
case("softmin_default_3d", "Softmin", {}, torch.randn(2, 3, 4))
case("softmin_default_4d", "Softmin", {}, torch.randn(2, 3, 2, 2))
case("softmin_dim_last", "Softmin", {"dim": -1}, x)
case("softmax2d_4d", "Softmax2d", {}, torch.randn(2, 3, 2, 4))
case("softmax2d_3d", "Softmax2d", {}, torch.randn(3, 2, 4))

# RReLU in training: the moments of the slopes of many negative inputs.
moments = []
for lower, upper in [(1 / 8, 1 / 3), (0.2, 0.6)]:
    m = nn.RReLU(lower, upper).train()
    neg = -torch.rand(200000) - 0.5
    s = m(neg) / neg
    moments.append({"lower": lower, "upper": upper, "n": s.numel(), "mean": float(s.mean()), "var": float(s.var()),
                    "min": float(s.min()), "max": float(s.max())})

with open(os.path.join(ROOT, "activations_more.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases, "rrelu_moments": moments}, f)
print(len(cases), "cases")
