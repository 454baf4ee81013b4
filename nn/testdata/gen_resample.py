"""Generate nn/testdata/resample.json: PyTorch's Unfold, Fold, Upsample
(every mode, size and scale_factor, align_corners, recompute_scale_factor),
UpsamplingNearest2d, UpsamplingBilinear2d and Bilinear on fixed inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_resample.py

"layers" are layer fixtures as nn's checkLayerCase reads them. "bilinear"
cases have two inputs (x1, x2), the state_dict and the gradients of
sum(output * r) with respect to both inputs and the parameters.
"""
import json
import os
import warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
torch.manual_seed(29)
torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def tup(v):
    return tuple(v) if isinstance(v, list) else v


cases = []


def case(name, typ, args, x):
    m = getattr(nn, typ)(**{k: tup(v) for k, v in args.items()})
    x = x.to(torch.float32).clone().requires_grad_(True)
    out = m(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    cases.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": {},
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": {}})


def rnd(*s):
    return torch.randn(*s)


case("unfold", "Unfold", {"kernel_size": 2}, rnd(2, 3, 4, 5))
case("unfold_geom", "Unfold", {"kernel_size": [3, 2], "dilation": [1, 2], "padding": 1, "stride": [2, 1]}, rnd(2, 2, 7, 6))
case("fold", "Fold", {"output_size": [4, 5], "kernel_size": 2}, rnd(2, 12, 12))
case("fold_geom", "Fold", {"output_size": [7, 6], "kernel_size": [3, 2], "dilation": [1, 2], "padding": 1, "stride": [2, 1]}, rnd(2, 12, 24))

case("nearest_scale2", "Upsample", {"scale_factor": 2}, rnd(2, 2, 3, 4))
case("nearest_size", "Upsample", {"size": [5, 7]}, rnd(2, 2, 3, 4))
case("nearest_down", "Upsample", {"size": [2, 3]}, rnd(1, 2, 5, 7))
case("nearest_1d_scale", "Upsample", {"scale_factor": 2.5}, rnd(2, 3, 4))
case("nearest_3d", "Upsample", {"scale_factor": [1, 2, 1.5], "mode": "nearest"}, rnd(1, 2, 2, 3, 4))
case("nearest_exact", "Upsample", {"size": [5, 7], "mode": "nearest-exact"}, rnd(2, 2, 3, 4))
case("linear", "Upsample", {"scale_factor": 2, "mode": "linear"}, rnd(2, 3, 5))
case("linear_align", "Upsample", {"size": 9, "mode": "linear", "align_corners": True}, rnd(2, 3, 5))
case("bilinear", "Upsample", {"scale_factor": 2, "mode": "bilinear"}, rnd(2, 2, 3, 4))
case("bilinear_size", "Upsample", {"size": [5, 3], "mode": "bilinear", "align_corners": False}, rnd(2, 2, 4, 6))
case("bilinear_align", "Upsample", {"size": [7, 5], "mode": "bilinear", "align_corners": True}, rnd(2, 2, 4, 3))
case("bilinear_scale_frac", "Upsample", {"scale_factor": 1.7, "mode": "bilinear"}, rnd(1, 2, 4, 5))
case("bilinear_recompute", "Upsample", {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}, rnd(1, 2, 4, 5))
case("bicubic", "Upsample", {"scale_factor": 2, "mode": "bicubic"}, rnd(2, 2, 4, 4))
case("bicubic_align", "Upsample", {"size": [6, 9], "mode": "bicubic", "align_corners": True}, rnd(1, 2, 4, 5))
case("bicubic_down", "Upsample", {"size": [3, 2], "mode": "bicubic"}, rnd(1, 2, 7, 5))
case("trilinear", "Upsample", {"scale_factor": 2, "mode": "trilinear"}, rnd(1, 2, 2, 3, 3))
case("trilinear_align", "Upsample", {"size": [3, 4, 5], "mode": "trilinear", "align_corners": True}, rnd(1, 2, 2, 3, 4))
case("area", "Upsample", {"size": [3, 2], "mode": "area"}, rnd(2, 2, 7, 5))
case("upsampling_nearest2d", "UpsamplingNearest2d", {"scale_factor": 3}, rnd(1, 2, 2, 3))
case("upsampling_bilinear2d", "UpsamplingBilinear2d", {"size": [5, 6]}, rnd(1, 2, 3, 4))

bil = []
for name, (i1, i2, o, bias, lead) in {"bilinear_layer": (3, 4, 5, True, (6,)), "bilinear_nobias_3d": (2, 3, 2, False, (2, 3))}.items():
    m = nn.Bilinear(i1, i2, o, bias=bias)
    x1 = torch.randn(*lead, i1).requires_grad_(True)
    x2 = torch.randn(*lead, i2).requires_grad_(True)
    state = {k: T(v) for k, v in m.state_dict().items()}
    out = m(x1, x2)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    bil.append({"name": name, "args": {"in1_features": i1, "in2_features": i2, "out_features": o, "bias": bias}, "x1": T(x1), "x2": T(x2),
                "state": state, "output": T(out), "upstream": T(r), "x1_grad": T(x1.grad), "x2_grad": T(x2.grad),
                "param_grads": {k: T(p.grad) for k, p in m.named_parameters()}})

with open(os.path.join(ROOT, "resample.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases, "bilinear": bil}, f)
print(len(cases), "layer cases,", len(bil), "bilinear")
