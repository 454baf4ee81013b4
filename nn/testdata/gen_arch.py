"""Generate nn/testdata/arch.json: composition blocks and named
architectures against PyTorch 1.13 / torchvision 0.14.

Run from the repository root with Debian's PyTorch and torchvision:

    /usr/bin/python3 nn/testdata/gen_arch.py

"blocks" are layer fixtures as nn's checkLayerCase reads them: a Residual,
Add or Concat written as a PyTorch module with the same nesting
(attributes body/shortcut/branches as nn.Sequential/nn.ModuleList), its
state_dict, input, output, upstream gradient and the input's and
parameters' gradients of sum(output * upstream).

"archs" are torchvision's models (LeNet5 defined here, see nn/models_classic.go)
with num_classes 1000 (10 for LeNet5): the state_dict keys and shapes in
order, trainable parameter and buffer-element counts, and the output shape
(or that torchvision refuses) for inputs of 1x3x224x224 and 1x3x32x32.

"roundtrip" holds, for small networks at 2x3x32x32 with 10 classes, the
input and torchvision's eval-mode logits when every state_dict tensor is
filled by fill() below (the Go test fills the same values by key, saves
them as safetensors and loads them by name: the weights themselves are too
big to commit).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torchvision

torch.manual_seed(7)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


# ---- blocks ---------------------------------------------------------------

class Residual(nn.Module):
    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = nn.Sequential(*body)
        if shortcut:
            self.shortcut = nn.Sequential(*shortcut)
        else:
            self.shortcut = None

    def forward(self, x):
        s = x if self.shortcut is None else self.shortcut(x)
        return self.body(x) + s


class Branches(nn.Module):
    def __init__(self, branches, cat, dim=1):
        super().__init__()
        self.branches = nn.ModuleList([nn.Sequential(*b) for b in branches])
        self.cat, self.dim = cat, dim

    def forward(self, x):
        ys = [b(x) for b in self.branches]
        if self.cat:
            return torch.cat(ys, self.dim)
        out = ys[0]
        for y in ys[1:]:
            out = out + y
        return out


def conv_spec(i, o, k, s=1, p=0, bias=True):
    return {"type": "Conv2d", "in_channels": i, "out_channels": o, "kernel_size": k, "stride": s, "padding": p, "bias": bias}


blocks = []


def block_case(name, typ, args, module, x, train=True):
    module.train(train)
    with torch.no_grad():
        for k, v in module.state_dict().items():
            if k.endswith("running_var"):
                v.copy_(torch.rand_like(v) + 0.5)
            elif k.endswith("running_mean"):
                v.copy_(torch.randn_like(v) * 0.1)
    state = {k: T(v) for k, v in module.state_dict().items()}
    x = x.clone().requires_grad_(True)
    out = module(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    grads = {k: T(p.grad) for k, p in module.named_parameters()}
    blocks.append({"name": name, "type": typ, "args": args, "train": train, "input": T(x), "state": state,
                   "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": grads})


x = torch.randn(2, 4, 6, 6)
block_case("residual_identity", "Residual",
           {"body": [conv_spec(4, 4, 3, p=1), {"type": "ReLU"}, conv_spec(4, 4, 3, p=1)]},
           Residual([nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1)]), x)
for train in (True, False):
    block_case("residual_downsample_" + ("train" if train else "eval"), "Residual",
               {"body": [conv_spec(4, 8, 3, s=2, p=1, bias=False), {"type": "BatchNorm2d"}, {"type": "ReLU"},
                         conv_spec(8, 8, 3, p=1, bias=False), {"type": "BatchNorm2d"}],
                "shortcut": [conv_spec(4, 8, 1, s=2, bias=False), {"type": "BatchNorm2d"}]},
               Residual([nn.Conv2d(4, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8)],
                        [nn.Conv2d(4, 8, 1, 2, bias=False), nn.BatchNorm2d(8)]), x, train)
block_case("residual_linear", "Residual", {"body": [{"type": "Linear", "in_features": 5, "out_features": 5}, {"type": "Tanh"}]},
           Residual([nn.Linear(5, 5), nn.Tanh()]), torch.randn(3, 5))
block_case("add_three", "Add",
           {"branches": [[], [conv_spec(4, 4, 1)], [conv_spec(4, 4, 3, p=1), {"type": "Sigmoid"}]]},
           Branches([[], [nn.Conv2d(4, 4, 1)], [nn.Conv2d(4, 4, 3, padding=1), nn.Sigmoid()]], False), x)
block_case("concat_channels", "Concat",
           {"branches": [[conv_spec(4, 3, 1), {"type": "ReLU"}], [conv_spec(4, 5, 3, p=1)], []], "dim": 1},
           Branches([[nn.Conv2d(4, 3, 1), nn.ReLU()], [nn.Conv2d(4, 5, 3, padding=1)], []], True, 1), x)
block_case("concat_last", "Concat",
           {"branches": [[{"type": "Linear", "in_features": 5, "out_features": 2}], [{"type": "Linear", "in_features": 5, "out_features": 3}]], "dim": -1},
           Branches([[nn.Linear(5, 2)], [nn.Linear(5, 3)]], True, -1), torch.randn(3, 5))


# ---- architectures --------------------------------------------------------

class LeNet5(nn.Module):
    def __init__(self, in_channels=3, num_classes=10, in_features=400):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(in_features, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
                                        nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


M = torchvision.models
ARCHS = {
    "LeNet5": lambda nc: LeNet5(num_classes=nc),
    "ResNet18": lambda nc: M.resnet18(num_classes=nc),
    "ResNet34": lambda nc: M.resnet34(num_classes=nc),
    "ResNet50": lambda nc: M.resnet50(num_classes=nc),
    "VGG11": lambda nc: M.vgg11(num_classes=nc),
    "VGG11_BN": lambda nc: M.vgg11_bn(num_classes=nc),
    "VGG16": lambda nc: M.vgg16(num_classes=nc),
    "VGG16_BN": lambda nc: M.vgg16_bn(num_classes=nc),
    "AlexNet": lambda nc: M.alexnet(num_classes=nc),
    "MobileNetV2": lambda nc: M.mobilenet_v2(num_classes=nc),
    "SqueezeNet1_1": lambda nc: M.squeezenet1_1(num_classes=nc),
    "DenseNet121": lambda nc: M.densenet121(num_classes=nc),
}

archs = []
for name, make in ARCHS.items():
    nc = 10 if name == "LeNet5" else 1000
    m = make(nc).eval()
    sd = m.state_dict()
    entry = {"name": name, "num_classes": nc,
             "keys": [[k, list(v.shape)] for k, v in sd.items()],
             "params": sum(p.numel() for p in m.parameters()),
             "buffers": sum(b.numel() for b in m.buffers()),
             "outputs": {}}
    for size in (224, 32):
        if name == "LeNet5" and size == 224:
            mm = LeNet5(num_classes=nc, in_features=16 * 53 * 53).eval()
        else:
            mm = m
        try:
            with torch.no_grad():
                out = mm(torch.zeros(1, 3, size, size))
            entry["outputs"][str(size)] = list(out.shape)
        except RuntimeError as e:
            entry["outputs"][str(size)] = None
            entry.setdefault("errors", {})[str(size)] = str(e).splitlines()[0]
    archs.append(entry)


# ---- weights round trip ----------------------------------------------------

def fill(key, shape, index):
    """The value of every element of state_dict tensor key (index: its
    position in the state_dict), as the Go test computes it."""
    n = 1
    for s in shape:
        n *= s
    if key.endswith("num_batches_tracked"):
        return torch.tensor(3, dtype=torch.int64)
    i = torch.arange(n, dtype=torch.float64)
    w = torch.sin(i * 0.7 + index * 1.3)
    if key.endswith("running_var"):
        v = 1.0 + 0.5 * w.abs()
    elif key.endswith("running_mean"):
        v = 0.1 * w
    elif key.endswith("bias"):
        v = 0.1 * w
    elif len(shape) == 1:  # BatchNorm weight
        v = 1.0 + 0.2 * w
    else:
        fan_in = n // shape[0]
        v = w * math.sqrt(3.0 / fan_in)
    return v.reshape(shape).to(torch.float32)


roundtrip = []
for name in ("ResNet18", "MobileNetV2", "SqueezeNet1_1", "LeNet5", "DenseNet121"):
    m = ARCHS[name](10).eval()
    with torch.no_grad():
        for idx, (k, v) in enumerate(m.state_dict().items()):
            v.copy_(fill(k, list(v.shape), idx))
    xin = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        out = m(xin)
    roundtrip.append({"name": name, "input": T(xin), "logits": T(out)})

with open(os.path.join(ROOT, "arch.json"), "w") as f:
    json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__,
               "blocks": blocks, "archs": archs, "roundtrip": roundtrip}, f)
print(len(blocks), "blocks,", len(archs), "architectures,", len(roundtrip), "round trips")
