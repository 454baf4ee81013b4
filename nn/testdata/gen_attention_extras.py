"""Generate nn/testdata/attention_extras.json: torch.nn.MultiheadAttention's
options beyond plain self-attention, against PyTorch 1.13, dropout 0.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_attention_extras.py

"layers" are layer fixtures (as attention.json's): self-attention with
add_bias_kv, add_zero_attn and attn_mask "causal" (PyTorch's
generate_square_subsequent_mask passed as attn_mask). "attend" cases call
forward(query, key, value, ...) with separate inputs: kdim/vdim (the
separate q_proj_weight, k_proj_weight, v_proj_weight), a packed
in_proj_weight over distinct query, key and value, float and boolean
attn_mask (a boolean mask is recorded as the float mask it stands for:
-inf where true), key_padding_mask, need_weights with and without
average_attn_weights, unbatched inputs; each records the output, the
weights, an upstream gradient r and the gradients of sum(output * r) with
respect to query, key, value and every parameter.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(17)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def randomize(m):
    with torch.no_grad():
        for k, p in m.named_parameters():
            if k.endswith("bias") or k in ("bias_k", "bias_v"):
                p.copy_(torch.randn_like(p) * 0.3)


def causal(n):
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


class SelfAttention(nn.Module):
    def __init__(self, mask=False, **kw):
        super().__init__()
        self.m = nn.MultiheadAttention(**kw)
        self.mask = mask

    def forward(self, x):
        am = None
        if self.mask:
            am = causal(x.shape[1] if self.m.batch_first and x.dim() == 3 else x.shape[0])
        return self.m(x, x, x, attn_mask=am, need_weights=False)[0]


layers = []
for name, kw, shape, mask in [
    ("mha_bias_kv", dict(embed_dim=8, num_heads=2, add_bias_kv=True), (5, 3, 8), False),
    ("mha_zero_attn_batch_first", dict(embed_dim=8, num_heads=4, add_zero_attn=True, batch_first=True), (3, 6, 8), False),
    ("mha_bias_kv_zero_attn_causal", dict(embed_dim=6, num_heads=3, add_bias_kv=True, add_zero_attn=True, batch_first=True), (2, 5, 6), True),
    ("mha_causal_seq_first", dict(embed_dim=8, num_heads=2), (6, 2, 8), True),
    ("mha_causal_unbatched_no_bias", dict(embed_dim=4, num_heads=1, bias=False), (5, 4), True),
]:
    m = SelfAttention(mask=mask, dropout=0.0, **kw)
    m.train(True)
    randomize(m)
    args = dict(kw)
    args["embed_dim"] = "auto"
    if mask:
        args["attn_mask"] = "causal"
    state = {k[2:]: T(v) for k, v in m.state_dict().items()}
    x = torch.randn(*shape).requires_grad_(True)
    out = m(x)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    grads = {k[2:]: T(p.grad) for k, p in m.named_parameters()}
    layers.append({"name": name, "type": "MultiheadAttention", "args": args, "train": True, "input": T(x), "state": state,
                   "output": T(out), "upstream": T(r), "input_grad": T(x.grad), "param_grads": grads})

attend = []


def attend_case(name, kw, q, k, v, attn_mask=None, key_padding_mask=None, need_weights=True, average=True):
    m = nn.MultiheadAttention(dropout=0.0, **kw)
    randomize(m)
    q, k, v = [t.clone().requires_grad_(True) for t in (q, k, v)]
    out, w = m(q, k, v, key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
               average_attn_weights=average)
    r = torch.randn(*out.shape)
    (out * r).sum().backward()
    fmask = None
    if attn_mask is not None:
        fmask = attn_mask
        if attn_mask.dtype == torch.bool:
            fmask = torch.zeros(attn_mask.shape).masked_fill(attn_mask, float("-inf"))
        fmask = {"shape": list(fmask.shape), "data": [("-inf" if v == float("-inf") else float(v)) for v in fmask.reshape(-1).tolist()]}
    attend.append({
        "name": name, "args": kw, "state": {kk: T(vv) for kk, vv in m.state_dict().items()},
        "query": T(q), "key": T(k), "value": T(v), "attn_mask": fmask,
        "key_padding_mask": None if key_padding_mask is None else [bool(b) for b in key_padding_mask.reshape(-1).tolist()],
        "need_weights": need_weights, "average_attn_weights": average,
        "output": T(out), "weights": None if w is None else T(w), "upstream": T(r),
        "query_grad": T(q.grad), "key_grad": T(k.grad), "value_grad": T(v.grad),
        "param_grads": {kk: T(p.grad) for kk, p in m.named_parameters()},
    })


L, S, N = 4, 6, 3
attend_case("kdim_vdim_seq_first", dict(embed_dim=8, num_heads=2, kdim=5, vdim=3),
            torch.randn(L, N, 8), torch.randn(S, N, 5), torch.randn(S, N, 3))
attend_case("kdim_vdim_bias_kv_zero_attn_batch_first", dict(embed_dim=8, num_heads=4, kdim=6, vdim=7, add_bias_kv=True, add_zero_attn=True, batch_first=True),
            torch.randn(N, L, 8), torch.randn(N, S, 6), torch.randn(N, S, 7), average=False)
attend_case("packed_distinct_inputs_float_mask", dict(embed_dim=8, num_heads=2),
            torch.randn(L, N, 8), torch.randn(S, N, 8), torch.randn(S, N, 8), attn_mask=torch.randn(L, S))
bm = torch.rand(L, S) > 0.7
bm[:, 0] = False  # no row wholly masked
attend_case("bool_mask_key_padding_per_head_weights", dict(embed_dim=8, num_heads=2, batch_first=True),
            torch.randn(N, L, 8), torch.randn(N, S, 8), torch.randn(N, S, 8), attn_mask=bm,
            key_padding_mask=torch.tensor([[False] * 5 + [True], [False] * 6, [False, True] + [False] * 4]), average=False)
attend_case("mask_per_pair_no_bias", dict(embed_dim=6, num_heads=3, bias=False, kdim=4, vdim=4),
            torch.randn(L, 2, 6), torch.randn(S, 2, 4), torch.randn(S, 2, 4), attn_mask=torch.randn(2 * 3, L, S))
attend_case("unbatched_bias_kv_no_weights", dict(embed_dim=4, num_heads=2, add_bias_kv=True, kdim=3, vdim=5),
            torch.randn(L, 4), torch.randn(S, 3), torch.randn(S, 5), need_weights=False)
attend_case("unbatched_weights_zero_attn_mask", dict(embed_dim=4, num_heads=2, add_zero_attn=True),
            torch.randn(L, 4), torch.randn(S, 4), torch.randn(S, 4), attn_mask=torch.randn(L, S))

with open(os.path.join(ROOT, "attention_extras.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": layers, "attend": attend}, f)
print(len(layers), "layer cases,", len(attend), "attend cases")
