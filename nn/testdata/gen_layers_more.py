"""Generate nn/testdata/layers_more.json: PyTorch's simple layers on fixed inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_layers_more.py

The layers are issue 11's simplest: Identity, the padding layers (1-, 2- and 3-d), PixelShuffle,
ChannelShuffle and the pointwise activations. Each case is a layer fixture as
nn's checkLayerCase reads it (input, output, a random upstream gradient r and
the input's gradient of sum(output * r)). Every activation also runs on an
"edges" input holding its kinks and thresholds exactly (±3 for Hardswish, 0
and 6 for ReLU6, ±lambd for the shrinks, the threshold...), where the value
of the derivative is a convention that PyTorch's kernels fix.
"""
import json
import os
import warnings

import torch
import torch.nn as nn

torch.manual_seed(13)
warnings.simplefilter("ignore")  # the implicit dimension of Softmax(dim=None)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []


def shuffle_by_views(groups):
    """ChannelShuffle as reshape and transpose: PyTorch 1.13 has no
    derivative for channel_shuffle, so its gradient comes from these views
    (the output is checked equal to the module's)."""
    def f(x):
        n, c = x.shape[:2]
        return x.reshape(n, groups, c // groups, *x.shape[2:]).transpose(1, 2).reshape(x.shape)
    return f


def case(name, typ, args, module, x):
    x = x.to(torch.float32).clone().requires_grad_(True)
    if isinstance(module, nn.ChannelShuffle):
        out = shuffle_by_views(module.groups)(x)
        assert torch.equal(out, module(x.detach()))
    else:
        out = module(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    cases.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": {},
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": {}})


EDGES = torch.tensor([[-100.0, -21, -20, -6, -3, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2.5, 3, 5, 6, 20, 21, 100]])

for name, typ, args, module in [
    ("identity", "Identity", {}, nn.Identity()),
    ("hardswish", "Hardswish", {}, nn.Hardswish()),
    ("hardsigmoid", "Hardsigmoid", {}, nn.Hardsigmoid()),
    ("mish", "Mish", {}, nn.Mish()),
    ("silu", "SiLU", {}, nn.SiLU()),
    ("softplus", "Softplus", {}, nn.Softplus()),
    ("softplus_beta", "Softplus", {"beta": 2, "threshold": 5}, nn.Softplus(beta=2, threshold=5)),
    ("hardtanh", "Hardtanh", {}, nn.Hardtanh()),
    ("hardtanh_range", "Hardtanh", {"min_val": -2, "max_val": 0.5}, nn.Hardtanh(-2, 0.5)),
    ("relu6", "ReLU6", {}, nn.ReLU6()),
    ("logsigmoid", "LogSigmoid", {}, nn.LogSigmoid()),
    ("tanhshrink", "Tanhshrink", {}, nn.Tanhshrink()),
    ("softshrink", "Softshrink", {}, nn.Softshrink()),
    ("softshrink_1", "Softshrink", {"lambd": 1}, nn.Softshrink(1)),
    ("hardshrink", "Hardshrink", {}, nn.Hardshrink()),
    ("hardshrink_1", "Hardshrink", {"lambd": 1}, nn.Hardshrink(1)),
    ("threshold", "Threshold", {"threshold": 0.5, "value": -2}, nn.Threshold(0.5, -2)),
]:
    case(name, typ, args, module, torch.randn(2, 3, 8) * 3)
    case(name + "_edges", typ, args, module, EDGES)

for name, typ, args, module, shape in [
    ("constpad1d", "ConstantPad1d", {"padding": [2, 1], "value": 1.5}, nn.ConstantPad1d((2, 1), 1.5), (2, 3, 7)),
    ("constpad1d_int", "ConstantPad1d", {"padding": 3, "value": -1}, nn.ConstantPad1d(3, -1), (2, 3, 7)),
    ("constpad1d_crop", "ConstantPad1d", {"padding": [-1, 2], "value": 0.5}, nn.ConstantPad1d((-1, 2), 0.5), (2, 3, 7)),
    ("constpad2d", "ConstantPad2d", {"padding": [1, 2, 0, 3], "value": 2.0}, nn.ConstantPad2d((1, 2, 0, 3), 2.0), (2, 3, 5, 6)),
    ("constpad3d", "ConstantPad3d", {"padding": [1, 0, 2, 1, 1, 1], "value": -0.5}, nn.ConstantPad3d((1, 0, 2, 1, 1, 1), -0.5), (1, 2, 3, 4, 5)),
    ("zeropad2d", "ZeroPad2d", {"padding": 2}, nn.ZeroPad2d(2), (2, 3, 5, 6)),
    ("zeropad2d_list", "ZeroPad2d", {"padding": [0, 1, 2, 3]}, nn.ZeroPad2d((0, 1, 2, 3)), (2, 3, 5, 6)),
    ("zeropad2d_unbatched", "ZeroPad2d", {"padding": [1, 1, 0, 2]}, nn.ZeroPad2d((1, 1, 0, 2)), (3, 5, 6)),
    ("reflpad1d", "ReflectionPad1d", {"padding": [3, 2]}, nn.ReflectionPad1d((3, 2)), (2, 3, 7)),
    ("reflpad1d_int", "ReflectionPad1d", {"padding": 2}, nn.ReflectionPad1d(2), (2, 3, 4)),
    ("reflpad2d", "ReflectionPad2d", {"padding": [1, 2, 3, 0]}, nn.ReflectionPad2d((1, 2, 3, 0)), (2, 3, 5, 6)),
    ("reflpad2d_int", "ReflectionPad2d", {"padding": 2}, nn.ReflectionPad2d(2), (1, 2, 3, 4)),
    ("replpad1d", "ReplicationPad1d", {"padding": [4, 1]}, nn.ReplicationPad1d((4, 1)), (2, 3, 7)),
    ("replpad2d", "ReplicationPad2d", {"padding": [2, 0, 1, 3]}, nn.ReplicationPad2d((2, 0, 1, 3)), (2, 3, 5, 6)),
    ("replpad2d_int", "ReplicationPad2d", {"padding": 3}, nn.ReplicationPad2d(3), (1, 2, 2, 3)),
    ("pixelshuffle", "PixelShuffle", {"upscale_factor": 2}, nn.PixelShuffle(2), (2, 8, 3, 4)),
    ("pixelshuffle_3", "PixelShuffle", {"upscale_factor": 3}, nn.PixelShuffle(3), (1, 9, 2, 2)),
    ("channelshuffle", "ChannelShuffle", {"groups": 2}, nn.ChannelShuffle(2), (2, 6, 3, 2)),
    ("channelshuffle_3", "ChannelShuffle", {"groups": 3}, nn.ChannelShuffle(3), (2, 6, 4)),
    ("replpad3d", "ReplicationPad3d", {"padding": [2, 0, 1, 3, 1, 2]}, nn.ReplicationPad3d((2, 0, 1, 3, 1, 2)), (2, 2, 3, 4, 3)),
    ("replpad3d_int", "ReplicationPad3d", {"padding": 1}, nn.ReplicationPad3d(1), (2, 2, 3, 2)),
    ("reflpad3d", "ReflectionPad3d", {"padding": [1, 2, 0, 1, 2, 1]}, nn.ReflectionPad3d((1, 2, 0, 1, 2, 1)), (2, 2, 3, 4, 3)),
    ("reflpad3d_int", "ReflectionPad3d", {"padding": 1}, nn.ReflectionPad3d(1), (1, 3, 2, 3)),
    # dim=None: PyTorch's implicit dimension (1 for 2- and 4-d, 0 for 3-d inputs)
    ("softmax_implicit_4d", "Softmax", {}, nn.Softmax(), (2, 3, 2, 2)),
    ("softmax_implicit_3d", "Softmax", {}, nn.Softmax(), (2, 3, 4)),
    ("logsoftmax_implicit_4d", "LogSoftmax", {}, nn.LogSoftmax(), (2, 3, 2, 2)),
    ("logsoftmax_implicit_2d", "LogSoftmax", {}, nn.LogSoftmax(), (4, 5)),
    ("hardtanh_deprecated_names", "Hardtanh", {"min_value": -0.5, "max_value": 0.25}, nn.Hardtanh(min_value=-0.5, max_value=0.25), (3, 7)),
]:
    case(name, typ, args, module, torch.randn(*shape))

with open(os.path.join(ROOT, "layers_more.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases}, f)
print(len(cases), "cases")
