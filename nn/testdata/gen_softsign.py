"""Generate nn/testdata/softsign.json, PyTorch's Softsign on fixed inputs.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_softsign.py

Each case is a layer fixture as nn's checkLayerCase reads it: the input,
the output, a random upstream gradient r and the input's gradient of
sum(output * r). The inputs include 0, large values and both signs.
"""
import json
import os

import torch

torch.manual_seed(11)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []
for name, x in [
    ("softsign_2d", torch.randn(4, 7) * 3),
    ("softsign_4d", torch.randn(2, 3, 4, 5)),
    ("softsign_edges", torch.tensor([[0.0, -0.0, 1e-8, -1e-8, 1e6, -1e6, 1.0, -1.0]])),
]:
    x = x.to(torch.float32).clone().requires_grad_(True)
    out = torch.nn.Softsign()(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    cases.append({"name": name, "type": "Softsign", "args": {}, "train": True, "input": T(x), "state": {},
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": {}})

with open(os.path.join(ROOT, "softsign.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases}, f)
