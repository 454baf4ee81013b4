"""Generate nn/testdata/attention.json: MultiheadAttention (self-attention,
query = key = value), TransformerEncoderLayer, TransformerEncoder and
LayerNorm against PyTorch 1.13, all dropouts 0.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_attention.py

Each case is a layer fixture as nn's checkLayerCase reads it: the layer's
arguments, its state_dict (PyTorch's initialisation, biases redrawn so they
matter), the input, the output, an upstream gradient r and the input's and
parameters' gradients of sum(output * r). Training mode (no dropout).
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(13)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []


class SelfAttention(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.m = nn.MultiheadAttention(**kw)

    def forward(self, x):
        return self.m(x, x, x, need_weights=False)[0]


def case(name, typ, args, module, x, strip=""):
    module.train(True)
    with torch.no_grad():
        for k, p in module.named_parameters():
            if k.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.2)
            elif k.endswith("norm1.weight") or k.endswith("norm2.weight") or k == "norm.weight" or k == "weight" and p.dim() == 1:
                p.copy_(1 + torch.randn_like(p) * 0.2)
    state = {k[len(strip):]: T(v) for k, v in module.state_dict().items()}
    x = x.clone().requires_grad_(True)
    out = module(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    grads = {k[len(strip):]: T(p.grad) for k, p in module.named_parameters()}
    cases.append({"name": name, "type": typ, "args": args, "train": True, "input": T(x), "state": state,
                  "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": grads})


for name, kw, shape in [
    ("mha_seq_first", dict(embed_dim=8, num_heads=2), (5, 3, 8)),
    ("mha_batch_first", dict(embed_dim=8, num_heads=4, batch_first=True), (3, 6, 8)),
    ("mha_one_head_no_bias", dict(embed_dim=6, num_heads=1, bias=False, batch_first=True), (2, 4, 6)),
    ("mha_unbatched", dict(embed_dim=8, num_heads=2), (7, 8)),
]:
    m = SelfAttention(dropout=0.0, **kw)
    args = dict(kw)
    args["embed_dim"] = "auto"
    case(name, "MultiheadAttention", args, m, torch.randn(*shape), strip="m.")

for name, kw, shape in [
    ("encoder_layer_relu", dict(d_model=8, nhead=2, dim_feedforward=16), (5, 3, 8)),
    ("encoder_layer_gelu_batch_first", dict(d_model=8, nhead=4, dim_feedforward=12, activation="gelu", batch_first=True), (3, 5, 8)),
    ("encoder_layer_norm_first", dict(d_model=6, nhead=3, dim_feedforward=10, norm_first=True, batch_first=True, layer_norm_eps=1e-3), (2, 4, 6)),
]:
    m = nn.TransformerEncoderLayer(dropout=0.0, **kw)
    args = dict(kw)
    args["dropout"] = 0.0
    case(name, "TransformerEncoderLayer", args, m, torch.randn(*shape))

layer_kw = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer_kw), num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
with torch.no_grad():  # layers start as copies in PyTorch: make them differ
    for p in enc.layers[1].parameters():
        p.add_(torch.randn_like(p) * 0.1)
case("encoder_two_layers_norm", "TransformerEncoder",
     {"encoder_layer": dict(layer_kw, type="TransformerEncoderLayer"), "num_layers": 2, "norm": {"type": "LayerNorm"}, "enable_nested_tensor": False},
     enc, torch.randn(2, 5, 8))
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(**dict(layer_kw, batch_first=False, norm_first=True)), num_layers=1)
case("encoder_one_layer", "TransformerEncoder",
     {"encoder_layer": dict(layer_kw, batch_first=False, norm_first=True), "num_layers": 1}, enc, torch.randn(5, 2, 8))

case("layernorm_last", "LayerNorm", {"normalized_shape": 8}, nn.LayerNorm(8), torch.randn(3, 5, 8) * 2 + 1)
case("layernorm_two_dims", "LayerNorm", {"normalized_shape": [5, 8], "eps": 1e-3}, nn.LayerNorm([5, 8], eps=1e-3), torch.randn(3, 5, 8))
case("layernorm_no_affine", "LayerNorm", {"normalized_shape": 8, "elementwise_affine": False}, nn.LayerNorm(8, elementwise_affine=False), torch.randn(4, 8))

with open(os.path.join(ROOT, "attention.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases}, f)
print(len(cases), "cases")
