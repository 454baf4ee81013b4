"""Generate nn/testdata/transformer_masks.json: TransformerEncoderLayer and
TransformerEncoder with the causal mask (the spec's "mask": "causal")
against PyTorch 1.13, all dropouts 0.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_transformer_masks.py

PyTorch 1.13's layers take the mask in forward (src_mask / mask), which a
layer list cannot pass: each case's module is called with the mask of
generate_square_subsequent_mask (-inf above the diagonal). The cases are
layer fixtures as nn's checkLayerCase reads them (see gen_attention.py):
training mode, so the fast path is never taken.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(29)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def causal(n):
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


class Causal(nn.Module):
    """Calls m with the causal mask over the sequence dimension."""

    def __init__(self, m, batch_first, kw):
        super().__init__()
        self.m, self.batch_first, self.kw = m, batch_first, kw

    def forward(self, x):
        n = x.shape[1] if self.batch_first and x.dim() == 3 else x.shape[0]
        return self.m(x, **{self.kw: causal(n)})


cases = []


def case(name, typ, args, module, x):
    module.train(True)
    with torch.no_grad():
        for k, p in module.named_parameters():
            if k.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.2)
            elif k.endswith("norm1.weight") or k.endswith("norm2.weight") or k.endswith("norm.weight"):
                p.copy_(1 + torch.randn_like(p) * 0.2)
    strip = "m."
    state = {k[len(strip):]: T(v) for k, v in module.state_dict().items()}
    x = x.clone().requires_grad_(True)
    out = module(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    grads = {k[len(strip):]: T(p.grad) for k, p in module.named_parameters()}
    cases.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": state,
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": grads})


for name, kw, shape in [
    ("layer_causal_seq_first", dict(d_model=8, nhead=2, dim_feedforward=16), (5, 3, 8)),
    ("layer_causal_gelu_batch_first", dict(d_model=8, nhead=4, dim_feedforward=12, activation="gelu", batch_first=True), (3, 6, 8)),
    ("layer_causal_norm_first", dict(d_model=6, nhead=3, dim_feedforward=10, norm_first=True, batch_first=True), (2, 4, 6)),
    ("layer_causal_unbatched", dict(d_model=8, nhead=2, dim_feedforward=16), (7, 8)),
]:
    m = Causal(nn.TransformerEncoderLayer(dropout=0.0, **kw), kw.get("batch_first", False), "src_mask")
    args = dict(kw, dropout=0.0, mask="causal")
    case(name, "TransformerEncoderLayer", args, m, torch.randn(*shape))

layer_kw = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer_kw), num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
with torch.no_grad():  # layers start as copies in PyTorch: make them differ
    for p in enc.layers[1].parameters():
        p.add_(torch.randn_like(p) * 0.1)
case("encoder_causal_two_layers_norm", "TransformerEncoder",
     {"encoder_layer": dict(layer_kw, type="TransformerEncoderLayer"), "num_layers": 2, "norm": {"type": "LayerNorm"},
      "enable_nested_tensor": False, "mask": "causal"},
     Causal(enc, True, "mask"), torch.randn(2, 5, 8))
# The mask given inside encoder_layer holds for every layer too.
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(**dict(layer_kw, batch_first=False, norm_first=True)), num_layers=1)
case("encoder_causal_in_layer", "TransformerEncoder",
     {"encoder_layer": dict(layer_kw, batch_first=False, norm_first=True, mask="causal"), "num_layers": 1},
     Causal(enc, False, "mask"), torch.randn(6, 2, 8))

with open(os.path.join(ROOT, "transformer_masks.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases}, f)
print(len(cases), "cases")
