"""Generate nn/testdata/norm_more.json: PyTorch 1.13's BatchNorm3d,
InstanceNorm1d/2d/3d, GroupNorm and LocalResponseNorm on fixed inputs, in
training and evaluation mode, and the evaluation-mode identity and
training-mode statistics of Dropout1d/2d/3d and AlphaDropout.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_norm_more.py

Each layer case is a fixture as nn's checkLayerCase reads it: the state
(random affine parameters and running statistics), the output, the input's
and parameters' gradients of sum(output * r), and the state after the
step (running statistics updated in training).
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(41)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, typ, args, x, train=True):
    m = getattr(nn, typ)(**args)
    with torch.no_grad():
        for k, v in m.state_dict().items():
            if k in ("weight", "bias"):
                v.copy_(torch.randn(v.shape) * 0.5 + (1.0 if k == "weight" else 0.0))
            elif k == "running_mean":
                v.copy_(torch.randn(v.shape) * 0.3)
            elif k == "running_var":
                v.copy_(torch.rand(v.shape) + 0.5)
    state = {k: T(v) for k, v in m.state_dict().items()}
    m.train(train)
    x = x.clone().to(torch.float32).requires_grad_(True)
    out = m(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    pgrads = {k: T(p.grad) for k, p in m.named_parameters()}
    after = {k: T(v) for k, v in m.state_dict().items() if k.startswith("running")}
    cases.append({"name": name, "type": typ, "args": args, "train": train, "input": T(x), "state": state,
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": pgrads, "state_after": after})


x5 = torch.randn(2, 3, 2, 3, 2) * 2 + 0.5
case("bn3d_train", "BatchNorm3d", {"num_features": 3}, x5)
case("bn3d_eval", "BatchNorm3d", {"num_features": 3}, x5, train=False)
case("bn3d_momentum_noaffine", "BatchNorm3d", {"num_features": 3, "momentum": 0.3, "affine": False, "eps": 1e-3}, x5)
case("bn3d_cumulative", "BatchNorm3d", {"num_features": 3, "momentum": None}, x5)

x3 = torch.randn(3, 4, 6) * 1.5 + 0.3
case("in1d", "InstanceNorm1d", {"num_features": 4}, x3)
case("in1d_affine", "InstanceNorm1d", {"num_features": 4, "affine": True}, x3)
case("in1d_track_train", "InstanceNorm1d", {"num_features": 4, "track_running_stats": True, "momentum": 0.2}, x3)
case("in1d_track_eval_affine", "InstanceNorm1d", {"num_features": 4, "track_running_stats": True, "affine": True}, x3, train=False)
case("in1d_eval_untracked", "InstanceNorm1d", {"num_features": 4, "affine": True}, x3, train=False)
case("in1d_unbatched", "InstanceNorm1d", {"num_features": 4, "affine": True}, torch.randn(4, 5))
x4 = torch.randn(2, 3, 4, 3)
case("in2d_affine_track", "InstanceNorm2d", {"num_features": 3, "affine": True, "track_running_stats": True}, x4)
case("in2d_eps", "InstanceNorm2d", {"num_features": 3, "eps": 0.1}, x4)
case("in2d_unbatched_eval_track", "InstanceNorm2d", {"num_features": 3, "track_running_stats": True}, torch.randn(3, 2, 4), train=False)
case("in3d_affine", "InstanceNorm3d", {"num_features": 3, "affine": True}, x5)
case("in3d_track", "InstanceNorm3d", {"num_features": 3, "track_running_stats": True}, x5)

case("gn", "GroupNorm", {"num_groups": 2, "num_channels": 4}, torch.randn(3, 4, 5) + 1)
case("gn_one_group", "GroupNorm", {"num_groups": 1, "num_channels": 6}, torch.randn(2, 6, 2, 2))
case("gn_per_channel_noaffine", "GroupNorm", {"num_groups": 6, "num_channels": 6, "affine": False, "eps": 1e-3}, torch.randn(2, 6, 3))
case("gn_2d", "GroupNorm", {"num_groups": 3, "num_channels": 6}, torch.randn(2, 6))
case("gn_eval", "GroupNorm", {"num_groups": 2, "num_channels": 4}, torch.randn(2, 4, 3, 2), train=False)

xl = torch.randn(2, 7, 3, 2) * 2
case("lrn_size1", "LocalResponseNorm", {"size": 1}, xl)
case("lrn_size2", "LocalResponseNorm", {"size": 2, "alpha": 0.1, "beta": 0.5}, xl)
case("lrn_size3", "LocalResponseNorm", {"size": 3, "alpha": 0.5, "beta": 0.75, "k": 2.0}, xl)
case("lrn_size5_3d", "LocalResponseNorm", {"size": 5, "alpha": 0.2}, torch.randn(2, 4, 5))
case("lrn_large_window", "LocalResponseNorm", {"size": 9, "alpha": 1.0, "beta": 1.2, "k": 0.5}, xl)

for typ, shape in [("Dropout1d", (3, 4, 5)), ("Dropout2d", (2, 3, 4, 4)), ("Dropout3d", (2, 3, 2, 2, 2)), ("AlphaDropout", (3, 5))]:
    case(typ.lower() + "_eval", typ, {"p": 0.4, "inplace": True}, torch.randn(*shape), train=False)

# Training-mode statistics: fraction of zeroed channels, and AlphaDropout's
# output moments on a unit-normal input.
stats = {}
torch.manual_seed(5)
for typ, shape in [("Dropout1d", (400, 50, 3)), ("Dropout2d", (400, 50, 2, 2)), ("Dropout3d", (400, 50, 1, 2, 2))]:
    m = getattr(nn, typ)(0.3).train()
    y = m(torch.ones(*shape))
    per = y.reshape(shape[0] * shape[1], -1)
    stats[typ] = {"p": 0.3, "channels": per.shape[0], "dropped": float((per == 0).all(1).float().mean()),
                  "kept_value": float(per.max())}
xs = torch.randn(400000)
for p in (0.2, 0.5):
    y = nn.AlphaDropout(p).train()(xs)
    stats["AlphaDropout_%g" % p] = {"p": p, "n": xs.numel(), "mean": float(y.mean()), "var": float(y.var()),
                                    "dropped_value": float(y.min() if False else y[(y - y.mode().values).abs() < 1e-6][0])}

with open(os.path.join(ROOT, "norm_more.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases, "dropout_stats": stats}, f)
print(len(cases), "cases")
