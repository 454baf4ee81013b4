"""Generate nn/testdata/losses_more.json: PyTorch 1.13's HuberLoss,
PoissonNLLLoss, KLDivLoss, HingeEmbeddingLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss, MultiMarginLoss and MultiLabelMarginLoss, and the
weight of BCELoss and BCEWithLogitsLoss, on fixed inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_losses_more.py

Each case is a loss fixture as TestLossesMatchPyTorch reads it: input,
target (as float32), output, a random upstream gradient r and the input's
gradient of sum(output * r). Every reduction PyTorch has is covered, and
the kinks (|d| = delta, margin - x = 0, zero targets of KLDivLoss).
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(23)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, typ, args, x, target, long=False):
    kw = {k: torch.tensor(v) if k in ("weight", "pos_weight") else v for k, v in args.items()}
    fn = getattr(nn, typ)(**kw)
    x = x.clone().to(torch.float32).requires_grad_(True)
    out = fn(x, target.long() if long else target)
    r = torch.randn(*out.shape) if out.dim() > 0 else torch.tensor(1.5)
    (out * r).sum().backward()
    cases.append({"name": name, "type": typ, "args": args, "input": T(x), "target": T(target.float()),
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad)})


x = torch.randn(5, 4) * 2
y = torch.randn(5, 4)
for red in ("mean", "sum", "none"):
    case("huber_" + red, "HuberLoss", {"reduction": red}, x, y)
case("huber_delta_kink", "HuberLoss", {"delta": 0.5}, torch.tensor([[0.5, -0.5, 0.2, 3.0, -2.0, 0.0]]), torch.zeros(1, 6))

counts = torch.poisson(torch.rand(5, 4) * 4)
for name, args, inp in [
    ("poisson", {}, torch.randn(5, 4)),
    ("poisson_full_sum", {"full": True, "reduction": "sum"}, torch.randn(5, 4)),
    ("poisson_rate", {"log_input": False}, torch.rand(5, 4) * 3 + 0.1),
    ("poisson_rate_full_none", {"log_input": False, "full": True, "eps": 1e-3, "reduction": "none"}, torch.rand(5, 4) * 3),
]:
    case(name, "PoissonNLLLoss", args, inp, counts)

logp = torch.log_softmax(torch.randn(4, 5), dim=1)
q = torch.softmax(torch.randn(4, 5) * 2, dim=1)
q[0, 1] = 0.0
q[2, 3] = 0.0
for red in ("mean", "batchmean", "sum", "none"):
    case("kldiv_" + red, "KLDivLoss", {"reduction": red}, logp, q)
case("kldiv_log_target", "KLDivLoss", {"reduction": "batchmean", "log_target": True}, logp, torch.log_softmax(torch.randn(4, 5), dim=1))
case("kldiv_log_target_none", "KLDivLoss", {"reduction": "none", "log_target": True}, logp, torch.log_softmax(torch.randn(4, 5), dim=1))

sgn = torch.where(torch.rand(5, 4) > 0.5, 1.0, -1.0)
dist = torch.rand(5, 4) * 2
dist[0, 0], sgn[0, 0] = 1.0, -1.0  # margin - x = 0
case("hinge", "HingeEmbeddingLoss", {}, dist, sgn)
case("hinge_margin_none", "HingeEmbeddingLoss", {"margin": 0.5, "reduction": "none"}, dist, sgn)
case("hinge_sum", "HingeEmbeddingLoss", {"margin": 2.0, "reduction": "sum"}, torch.randn(5, 4), sgn)

for red in ("mean", "sum", "none"):
    case("soft_margin_" + red, "SoftMarginLoss", {"reduction": red}, x, sgn)
case("soft_margin_large", "SoftMarginLoss", {}, torch.tensor([[40.0, -40.0, 0.0, 90.0]]), torch.tensor([[-1.0, -1.0, 1.0, 1.0]]))

mh = (torch.rand(5, 4) > 0.5).float()
w4 = [0.5, 2.0, 1.0, 1.5]
case("mlsm", "MultiLabelSoftMarginLoss", {}, x, mh)
case("mlsm_weight_none", "MultiLabelSoftMarginLoss", {"weight": w4, "reduction": "none"}, x, mh)
case("mlsm_sum", "MultiLabelSoftMarginLoss", {"reduction": "sum"}, x, mh)

cls = torch.tensor([0, 3, 1, 1, 2])
case("multi_margin", "MultiMarginLoss", {}, x, cls, True)
case("multi_margin_p2_weight", "MultiMarginLoss", {"p": 2, "margin": 1.5, "weight": w4}, x, cls, True)
case("multi_margin_none", "MultiMarginLoss", {"reduction": "none", "margin": 0.5}, x, cls, True)
case("multi_margin_1d", "MultiMarginLoss", {}, x[0], torch.tensor(2), True)

lab = torch.tensor([[3, 0, -1, 1], [1, -1, 2, 2], [0, 1, 2, 3], [2, 2, -1, -1], [-1, 0, 1, 2]])
case("multilabel_margin", "MultiLabelMarginLoss", {}, x, lab, True)
case("multilabel_margin_none", "MultiLabelMarginLoss", {"reduction": "none"}, x, lab, True)
case("multilabel_margin_sum_1d", "MultiLabelMarginLoss", {"reduction": "sum"}, x[1], torch.tensor([2, 0, -1, 3]), True)

probs = torch.sigmoid(torch.randn(5, 4))
case("bce_weight", "BCELoss", {"weight": w4}, probs, mh)
case("bce_weight_none", "BCELoss", {"weight": w4, "reduction": "none"}, probs, torch.rand(5, 4))
case("bce_logits_weight", "BCEWithLogitsLoss", {"weight": w4, "pos_weight": [1.0, 3.0, 0.5, 2.0]}, x, mh)
case("bce_logits_weight_sum", "BCEWithLogitsLoss", {"weight": w4, "reduction": "sum"}, x, torch.rand(5, 4))

with open(os.path.join(ROOT, "losses_more.json"), "w") as f:
    json.dump({"torch": torch.__version__, "losses": cases}, f)
print(len(cases), "cases")
