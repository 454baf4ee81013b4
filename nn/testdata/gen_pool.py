"""Generate nn/testdata/pool.json: PyTorch's pooling layers on fixed inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_pool.py

"layers" are layer fixtures as nn's checkLayerCase reads them: MaxPool1d/3d,
AvgPool1d/3d (ceil_mode, count_include_pad, divisor_override), AvgPool2d
with divisor_override, MaxPool2d with return_indices, AdaptiveMaxPool1d/2d/3d,
AdaptiveAvgPool1d/3d (with None sizes), LPPool1d/2d. "sequences" run a
layer list through torch (a max pooling with return_indices, maybe a ReLU,
then MaxUnpool fed by the pooling's indices) and record the output and the
input's gradient of sum(output * r).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(23)
torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def tup(v):
    return tuple(v) if isinstance(v, list) else v


cases = []


def case(name, typ, args, x, first=False):
    m = getattr(nn, typ)(**{k: tup(v) for k, v in args.items()})
    x = x.to(torch.float32).clone().requires_grad_(True)
    out = m(x)
    if isinstance(out, tuple):
        out = out[0]
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    cases.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": {},
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": {}})


def rnd(*s):
    return torch.randn(*s)


case("maxpool1d", "MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, rnd(2, 3, 11))
case("maxpool1d_dil_ceil", "MaxPool1d", {"kernel_size": 2, "dilation": 2, "ceil_mode": True, "stride": 2}, rnd(2, 2, 10))
case("maxpool1d_indices", "MaxPool1d", {"kernel_size": 2, "return_indices": True}, rnd(2, 2, 9))
case("maxpool2d_indices", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}, rnd(2, 2, 7, 6))
case("maxpool3d", "MaxPool3d", {"kernel_size": 2}, rnd(2, 2, 4, 5, 4))
case("maxpool3d_pad_ceil", "MaxPool3d", {"kernel_size": [3, 2, 3], "stride": [2, 1, 2], "padding": [1, 0, 1], "ceil_mode": True}, rnd(1, 2, 5, 4, 6))
case("maxpool3d_dil", "MaxPool3d", {"kernel_size": 2, "dilation": [1, 2, 2], "stride": 1}, rnd(1, 2, 3, 5, 5))
case("avgpool1d", "AvgPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, rnd(2, 3, 10))
case("avgpool1d_nopad_ceil", "AvgPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, rnd(2, 2, 10))
case("avgpool3d", "AvgPool3d", {"kernel_size": 2}, rnd(2, 2, 4, 4, 5))
case("avgpool3d_pad_ceil", "AvgPool3d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, rnd(1, 2, 5, 6, 6))
case("avgpool3d_divisor", "AvgPool3d", {"kernel_size": [2, 3, 3], "stride": [1, 2, 2], "padding": [0, 1, 1], "divisor_override": 5}, rnd(1, 2, 3, 6, 5))
case("avgpool2d_divisor", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "divisor_override": 4}, rnd(2, 2, 7, 6))
case("adaptivemax1d", "AdaptiveMaxPool1d", {"output_size": 4}, rnd(2, 3, 10))
case("adaptivemax2d", "AdaptiveMaxPool2d", {"output_size": [3, 2]}, rnd(2, 2, 7, 5))
case("adaptivemax2d_none", "AdaptiveMaxPool2d", {"output_size": [None, 3]}, rnd(2, 2, 4, 7))
case("adaptivemax3d", "AdaptiveMaxPool3d", {"output_size": [2, 3, 2]}, rnd(1, 2, 5, 7, 4))
case("adaptiveavg2d_none", "AdaptiveAvgPool2d", {"output_size": [3, None]}, rnd(2, 2, 7, 5))
case("adaptiveavg1d", "AdaptiveAvgPool1d", {"output_size": 3}, rnd(2, 3, 8))
case("adaptiveavg3d", "AdaptiveAvgPool3d", {"output_size": [2, None, 3]}, rnd(2, 2, 5, 3, 7))
case("adaptiveavg3d_1", "AdaptiveAvgPool3d", {"output_size": 1}, rnd(2, 3, 3, 4, 4))
case("lppool1d", "LPPool1d", {"norm_type": 2, "kernel_size": 3, "stride": 2}, rnd(2, 3, 11))
case("lppool1d_ceil", "LPPool1d", {"norm_type": 1.5, "kernel_size": 3, "stride": 2, "ceil_mode": True}, rnd(2, 2, 10).abs() + 0.1)
case("lppool2d", "LPPool2d", {"norm_type": 2, "kernel_size": 2}, rnd(2, 2, 6, 6))
case("lppool2d_p3", "LPPool2d", {"norm_type": 3, "kernel_size": [3, 2], "stride": [2, 1], "ceil_mode": True}, rnd(1, 2, 8, 5).abs() + 0.1)
case("lppool2d_p1", "LPPool2d", {"norm_type": 1, "kernel_size": 2}, rnd(1, 2, 4, 4).abs() + 0.1)

sequences = []


def sequence(name, specs, fn, x):
    x = x.to(torch.float32).clone().requires_grad_(True)
    out = fn(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    sequences.append({"name": name, "layers": specs, "input": T(x), "output": T(out), "upstream": T(r), "input_grad": T(x.grad)})


sequence("unpool1d", [{"type": "MaxPool1d", "kernel_size": 2, "return_indices": True}, {"type": "MaxUnpool1d", "kernel_size": 2}],
         lambda x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2), rnd(2, 3, 8))
sequence("unpool2d_relu", [{"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}, {"type": "ReLU"},
                           {"type": "MaxUnpool2d", "kernel_size": 3, "stride": 2, "padding": 1}],
         lambda x: (lambda o, i: F.max_unpool2d(F.relu(o), i, 3, 2, 1))(*F.max_pool2d(x, 3, 2, 1, return_indices=True)), rnd(2, 2, 7, 7))
sequence("unpool3d", [{"type": "MaxPool3d", "kernel_size": 2, "return_indices": True}, {"type": "MaxUnpool3d", "kernel_size": 2}],
         lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2), rnd(1, 2, 4, 4, 6))
sequence("unpool_adaptive", [{"type": "AdaptiveMaxPool2d", "output_size": 3, "return_indices": True}, {"type": "MaxUnpool2d", "kernel_size": 2}],
         lambda x: F.max_unpool2d(*F.adaptive_max_pool2d(x, 3, return_indices=True), 2), rnd(2, 2, 6, 6))

with open(os.path.join(ROOT, "pool.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases, "sequences": sequences}, f)
print(len(cases), "layer cases,", len(sequences), "sequences")

# FractionalMaxPool with given samples: gen writes them beside the case.
fractional = []


def frac(name, typ, args, x):
    n, c = x.shape[:2]
    dims = x.dim() - 2
    samples = torch.rand(n, c, dims)
    m = getattr(nn, typ)(**{k: tup(v) for k, v in args.items()}, _random_samples=samples)
    x = x.clone().requires_grad_(True)
    out = m(x)
    if isinstance(out, tuple):
        out = out[0]
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    fractional.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": {}, "samples": T(samples),
                       "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": {}})


frac("frac2d_size", "FractionalMaxPool2d", {"kernel_size": 2, "output_size": [4, 3]}, rnd(2, 3, 9, 7))
frac("frac2d_ratio", "FractionalMaxPool2d", {"kernel_size": [3, 2], "output_ratio": [0.5, 0.6]}, rnd(2, 2, 10, 9))
frac("frac2d_indices", "FractionalMaxPool2d", {"kernel_size": 3, "output_size": 5, "return_indices": True}, rnd(1, 2, 11, 11))
frac("frac3d", "FractionalMaxPool3d", {"kernel_size": 2, "output_size": [2, 3, 4]}, rnd(2, 2, 5, 6, 8))
frac("frac3d_ratio", "FractionalMaxPool3d", {"kernel_size": [2, 3, 2], "output_ratio": 0.5}, rnd(1, 2, 6, 8, 7))

with open(os.path.join(ROOT, "pool.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases, "sequences": sequences, "fractional": fractional}, f)
print(len(fractional), "fractional cases")
