"""Generate nn/testdata/losses_pair.json: PyTorch 1.13's GaussianNLLLoss,
MarginRankingLoss, CosineEmbeddingLoss and TripletMarginLoss on fixed
inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_losses_pair.py

These losses take two or three inputs in PyTorch; mlforge's Forward takes
them packed along the last dimension (torch.cat(inputs, dim=-1)), so each
case records the packed input, and the input's gradient is the packed
gradients of the separate inputs, of sum(output * r) for a random upstream
gradient r. Every reduction is covered, and the kinks (a hinge exactly at
0, a variance below eps, a target other than ±1, the swap).
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


def case(name, typ, args, inputs, target, call):
    fn = getattr(nn, typ)(**args)
    xs = [x.clone().to(torch.float32).requires_grad_(True) for x in inputs]
    out = call(fn, xs, target)
    r = torch.randn(*out.shape) if out.dim() > 0 else torch.tensor(1.5)
    (out * r).sum().backward()
    if xs[0].dim() == 1 and typ == "MarginRankingLoss":
        packed = torch.stack([x.detach() for x in xs], dim=-1)
        grad = torch.stack([x.grad for x in xs], dim=-1)
    else:
        packed = torch.cat([x.detach() for x in xs], dim=-1)
        grad = torch.cat([x.grad for x in xs], dim=-1)
    cases.append({"name": name, "type": typ, "args": args, "input": T(packed), "target": T(target.float()),
                  "output": T(out), "upstream": T(r), "input_grad": T(grad)})


# GaussianNLLLoss(input, target, var): packed [mean | var].
mean = torch.randn(5, 3)
y = torch.randn(5, 3)
var = torch.rand(5, 3) * 2 + 0.05
var_eps = var.clone()
var_eps[0, 0], var_eps[1, 2] = 1e-8, 0.0  # clamped to eps
gnll = lambda fn, xs, t: fn(xs[0], t, xs[1])
for red in ("mean", "sum", "none"):
    case("gaussian_nll_" + red, "GaussianNLLLoss", {"reduction": red}, [mean, var], y, gnll)
case("gaussian_nll_full", "GaussianNLLLoss", {"full": True}, [mean, var], y, gnll)
case("gaussian_nll_eps_clamp", "GaussianNLLLoss", {"eps": 1e-3, "reduction": "none"}, [mean, var_eps], y, gnll)
case("gaussian_nll_unbatched", "GaussianNLLLoss", {"full": True, "reduction": "sum"}, [mean[0], var[0]], y[0], gnll)

# MarginRankingLoss(x1, x2, y): packed (N, 2).
x1, x2 = torch.randn(6), torch.randn(6)
sg = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
x1k, x2k = torch.tensor([1.5, 0.5, 2.0, 0.0]), torch.tensor([1.0, 1.0, 2.0, 3.0])
rank = lambda fn, xs, t: fn(xs[0], xs[1], t)
for red in ("mean", "sum", "none"):
    case("margin_ranking_" + red, "MarginRankingLoss", {"reduction": red}, [x1, x2], sg, rank)
case("margin_ranking_margin", "MarginRankingLoss", {"margin": 0.5}, [x1, x2], sg, rank)
# -y(x1 - x2) + margin = 0 at the first two: the hinge's kink
case("margin_ranking_kink", "MarginRankingLoss", {"margin": 0.5, "reduction": "none"}, [x1k, x2k], torch.tensor([1.0, -1.0, 1.0, -1.0]), rank)

# CosineEmbeddingLoss(x1, x2, y): packed [x1 | x2].
a, b = torch.randn(6, 4), torch.randn(6, 4)
b[1] = a[1] * 2.0  # cos = 1
cy = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0, 0.0])  # 0: no loss
cos = lambda fn, xs, t: fn(xs[0], xs[1], t)
for red in ("mean", "sum", "none"):
    case("cosine_embedding_" + red, "CosineEmbeddingLoss", {"reduction": red}, [a, b], cy, cos)
case("cosine_embedding_margin", "CosineEmbeddingLoss", {"margin": 0.3, "reduction": "none"}, [a, b], cy, cos)
case("cosine_embedding_unbatched", "CosineEmbeddingLoss", {"margin": -0.5}, [a[2], b[2]], torch.tensor(-1.0), cos)

# TripletMarginLoss(anchor, positive, negative): packed, target unused.
an, po, ne = torch.randn(6, 4), torch.randn(6, 4), torch.randn(6, 4)
po[0] = an[0] * 0.1  # a clear positive
trip = lambda fn, xs, t: fn(xs[0], xs[1], xs[2])
z6 = torch.zeros(6)
for red in ("mean", "sum", "none"):
    case("triplet_" + red, "TripletMarginLoss", {"reduction": red}, [an, po, ne], z6, trip)
case("triplet_p1_margin", "TripletMarginLoss", {"p": 1.0, "margin": 2.0, "reduction": "none"}, [an, po, ne], z6, trip)
case("triplet_p3", "TripletMarginLoss", {"p": 3.0, "eps": 1e-3}, [an, po, ne], z6, trip)
case("triplet_swap", "TripletMarginLoss", {"swap": True, "reduction": "none"}, [an, po, ne], z6, trip)
case("triplet_swap_margin", "TripletMarginLoss", {"swap": True, "margin": 3.0, "p": 1.5}, [an, po, ne], z6, trip)
case("triplet_unbatched", "TripletMarginLoss", {"margin": 2.0}, [an[1], po[1], ne[1]], torch.tensor(0.0), trip)

with open(os.path.join(ROOT, "losses_pair.json"), "w") as f:
    json.dump({"torch": torch.__version__, "losses": cases}, f)
print(len(cases), "cases")
