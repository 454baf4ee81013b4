"""Generate nn/testdata/conv.json: PyTorch's convolutions on fixed inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_conv.py

The layers are issue 11's convolutions: Conv2d's padding modes (reflect,
replicate, circular), padding "same" (odd and even kernels, dilated) and
"valid", depthwise groups; Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d
with strides, dilation, groups, output_padding and every padding mode; the
Lazy* forms (materialised by one dry run). Each case is a layer fixture as
nn's checkLayerCase reads it: the arguments (PyTorch's keyword arguments),
the input, the state_dict, the output, a random upstream gradient r and the
gradients of sum(output * r) with respect to the input and parameters.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(21)
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
    if typ.startswith("Lazy"):
        with torch.no_grad():
            m(x)
    x = x.to(torch.float32).clone().requires_grad_(True)
    state = {k: T(v) for k, v in m.state_dict().items()}
    out = m(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    cases.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": state,
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad),
                  "param_grads": {k: T(p.grad) for k, p in m.named_parameters()}})


def rnd(*s):
    return torch.randn(*s)


# Conv2d options
for mode in ["reflect", "replicate", "circular", "zeros"]:
    case("conv2d_" + mode, "Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": [1, 2], "padding_mode": mode}, rnd(2, 2, 5, 6))
case("conv2d_reflect_stride", "Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": [3, 2], "stride": 2, "padding": 2, "padding_mode": "reflect"}, rnd(1, 2, 7, 6))
case("conv2d_same_odd", "Conv2d", {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "padding": "same"}, rnd(2, 3, 5, 5))
case("conv2d_same_even", "Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": [4, 2], "padding": "same"}, rnd(2, 2, 6, 5))
case("conv2d_same_dilated", "Conv2d", {"in_channels": 2, "out_channels": 4, "kernel_size": 3, "padding": "same", "dilation": [2, 1], "groups": 2}, rnd(1, 2, 7, 6))
case("conv2d_same_circular", "Conv2d", {"in_channels": 1, "out_channels": 2, "kernel_size": 2, "padding": "same", "padding_mode": "circular"}, rnd(2, 1, 4, 5))
case("conv2d_valid", "Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": "valid"}, rnd(2, 2, 5, 5))
case("conv2d_depthwise", "Conv2d", {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "padding": 1, "groups": 4}, rnd(2, 4, 6, 6))
case("conv2d_dilation", "Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "dilation": 2, "padding": 2, "bias": False}, rnd(1, 2, 8, 8))
case("lazy_conv2d", "LazyConv2d", {"out_channels": 3, "kernel_size": 2, "stride": 2}, rnd(2, 3, 6, 6))
case("convt2d_dilated_groups", "ConvTranspose2d", {"in_channels": 4, "out_channels": 2, "kernel_size": 3, "stride": 2, "dilation": 2, "groups": 2, "padding": 1}, rnd(1, 4, 4, 3))
case("lazy_convt2d", "LazyConvTranspose2d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "output_padding": 1}, rnd(2, 3, 3, 4))

# Conv1d
case("conv1d", "Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, rnd(2, 3, 10))
case("conv1d_stride_pad", "Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 4, "stride": 2, "padding": 2, "dilation": 2}, rnd(2, 2, 11))
case("conv1d_groups_nobias", "Conv1d", {"in_channels": 4, "out_channels": 6, "kernel_size": [3], "groups": 2, "bias": False}, rnd(3, 4, 9))
case("conv1d_depthwise", "Conv1d", {"in_channels": 3, "out_channels": 3, "kernel_size": 5, "groups": 3, "padding": 2}, rnd(2, 3, 12))
for mode in ["reflect", "replicate", "circular"]:
    case("conv1d_" + mode, "Conv1d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": 2, "padding_mode": mode}, rnd(2, 2, 7))
case("conv1d_same_even", "Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 4, "padding": "same"}, rnd(2, 2, 9))
case("conv1d_same_reflect", "Conv1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "dilation": 2, "padding": "same", "padding_mode": "reflect"}, rnd(2, 2, 9))
case("conv1d_1x1", "Conv1d", {"in_channels": 5, "out_channels": 3, "kernel_size": 1}, rnd(2, 5, 6))
case("conv1d_wide", "Conv1d", {"in_channels": 8, "out_channels": 16, "kernel_size": 5, "padding": 2}, rnd(4, 8, 40))
case("lazy_conv1d", "LazyConv1d", {"out_channels": 2, "kernel_size": 3}, rnd(2, 3, 8))

# Conv3d
case("conv3d", "Conv3d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": 1}, rnd(2, 2, 4, 5, 5))
case("conv3d_rect", "Conv3d", {"in_channels": 4, "out_channels": 2, "kernel_size": [2, 3, 1], "stride": [1, 2, 2], "dilation": [2, 1, 1], "groups": 2}, rnd(2, 4, 5, 6, 5))
case("conv3d_nobias", "Conv3d", {"in_channels": 1, "out_channels": 2, "kernel_size": 2, "bias": False}, rnd(1, 1, 3, 4, 3))
for mode in ["reflect", "replicate", "circular"]:
    case("conv3d_" + mode, "Conv3d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": [1, 2, 1], "padding_mode": mode}, rnd(1, 2, 3, 4, 4))
case("conv3d_same_even", "Conv3d", {"in_channels": 2, "out_channels": 2, "kernel_size": [2, 3, 4], "padding": "same"}, rnd(2, 2, 4, 4, 5))
case("conv3d_large", "Conv3d", {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "padding": 1}, rnd(2, 4, 4, 6, 6))
case("lazy_conv3d", "LazyConv3d", {"out_channels": 2, "kernel_size": 2}, rnd(1, 3, 3, 3, 3))

# ConvTranspose1d
case("convt1d", "ConvTranspose1d", {"in_channels": 3, "out_channels": 2, "kernel_size": 3}, rnd(2, 3, 7))
case("convt1d_stride", "ConvTranspose1d", {"in_channels": 4, "out_channels": 6, "kernel_size": 4, "stride": 3, "padding": 1, "output_padding": 2, "groups": 2, "dilation": 2}, rnd(2, 4, 5))
case("convt1d_nobias", "ConvTranspose1d", {"in_channels": 2, "out_channels": 3, "kernel_size": 2, "stride": 2, "bias": False}, rnd(3, 2, 6))
case("lazy_convt1d", "LazyConvTranspose1d", {"out_channels": 2, "kernel_size": 3, "stride": 2}, rnd(2, 3, 5))

# ConvTranspose3d
case("convt3d", "ConvTranspose3d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}, rnd(2, 2, 3, 3, 4))
case("convt3d_groups", "ConvTranspose3d", {"in_channels": 4, "out_channels": 2, "kernel_size": [2, 3, 2], "stride": [1, 2, 1], "dilation": [1, 1, 2], "groups": 2, "bias": False}, rnd(1, 4, 3, 4, 3))
case("lazy_convt3d", "LazyConvTranspose3d", {"out_channels": 2, "kernel_size": 2, "stride": 2}, rnd(1, 3, 2, 3, 2))

# output_padding of at least the stride (allowed below the dilation)
case("convt2d_outpad_dilation", "ConvTranspose2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "dilation": 2, "padding": [1, 2], "output_padding": 1}, rnd(2, 2, 4, 5))
case("convt1d_outpad_dilation", "ConvTranspose1d", {"in_channels": 2, "out_channels": 2, "kernel_size": 2, "stride": 2, "dilation": 3, "padding": 1, "output_padding": 2}, rnd(2, 2, 5))
case("convt3d_outpad_dilation", "ConvTranspose3d", {"in_channels": 2, "out_channels": 2, "kernel_size": 2, "dilation": [2, 1, 3], "stride": [1, 2, 1], "padding": [0, 1, 2], "output_padding": [1, 1, 2]}, rnd(1, 2, 3, 3, 4))

# Lazy linear
case("lazy_linear", "LazyLinear", {"out_features": 4}, rnd(3, 7))

with open(os.path.join(ROOT, "conv.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases}, f)
print(len(cases), "cases")
