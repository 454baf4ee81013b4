"""Generate PyTorch reference fixtures for nn's recurrent layers (rnn.go).

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_rnn.py

It writes nn/testdata/rnn.json: for RNN (tanh and relu), GRU and LSTM over
batch_first true/false, num_layers 1/2 and bidirectional true/false (plus
cases without bias, with an initial state and unbatched input), the
module's state_dict, the input, the initial state (when given), the
outputs (output, h_n and for LSTM c_n) and the gradients of the scalar loss

    sum(output * r_out) + sum(h_n * r_h) [+ sum(c_n * r_c)]

(r_* fixed random weights, stored too) with respect to the input, the
initial state and every parameter. Everything runs in float64 and is
stored rounded to float32 so the references carry no float32 rounding of
their own. Every tensor is stored as {"shape": [...], "data": [...]}.
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(1234)
torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(kind, nonlinearity, batch_first, num_layers, bidirectional, bias=True,
         init_state=False, unbatched=False, I=3, H=4, T_=5, B=2):
    kw = dict(input_size=I, hidden_size=H, num_layers=num_layers, bias=bias,
              batch_first=batch_first, bidirectional=bidirectional)
    if kind == "RNN":
        m = nn.RNN(nonlinearity=nonlinearity, **kw)
    elif kind == "GRU":
        m = nn.GRU(**kw)
    else:
        m = nn.LSTM(**kw)
    # Round the weights to float32 first so Go and PyTorch see the same values.
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.float())
    m = m.double()
    D = 2 if bidirectional else 1
    if unbatched:
        xshape = (T_, I)
        sshape = (D * num_layers, H)
    else:
        xshape = (B, T_, I) if batch_first else (T_, B, I)
        sshape = (D * num_layers, B, H)
    x = torch.randn(*xshape).float().double().requires_grad_(True)
    h0 = c0 = None
    if init_state:
        h0 = (torch.randn(*sshape) * 0.5).float().double().requires_grad_(True)
        if kind == "LSTM":
            c0 = (torch.randn(*sshape) * 0.5).float().double().requires_grad_(True)
    if kind == "LSTM":
        out, (hn, cn) = m(x, (h0, c0)) if init_state else m(x)
    else:
        out, hn = m(x, h0) if init_state else m(x)
        cn = None
    r_out = torch.randn(*out.shape).float().double()
    r_h = torch.randn(*hn.shape).float().double()
    loss = (out * r_out).sum() + (hn * r_h).sum()
    rec = {}
    if cn is not None:
        r_c = torch.randn(*cn.shape).float().double()
        loss = loss + (cn * r_c).sum()
        rec["r_c"] = T(r_c)
        rec["c_n"] = T(cn)
    loss.backward()
    name = f"{kind}"
    if kind == "RNN":
        name += "_" + nonlinearity
    name += f"_bf{int(batch_first)}_L{num_layers}_D{D}"
    if not bias:
        name += "_nobias"
    if init_state:
        name += "_h0"
    if unbatched:
        name += "_unbatched"
    rec.update({
        "name": name,
        "kind": kind,
        "nonlinearity": nonlinearity,
        "input_size": I,
        "hidden_size": H,
        "num_layers": num_layers,
        "bias": bias,
        "batch_first": batch_first,
        "bidirectional": bidirectional,
        "x": T(x),
        "output": T(out),
        "h_n": T(hn),
        "r_out": T(r_out),
        "r_h": T(r_h),
        "grad_x": T(x.grad),
        "params": {k: T(v) for k, v in m.state_dict().items()},
        "grads": {k: T(p.grad) for k, p in m.named_parameters()},
    })
    if init_state:
        rec["h0"] = T(h0)
        rec["grad_h0"] = T(h0.grad)
        if c0 is not None:
            rec["c0"] = T(c0)
            rec["grad_c0"] = T(c0.grad)
    return rec


def main():
    cases = []
    kinds = [("RNN", "tanh"), ("RNN", "relu"), ("GRU", "tanh"), ("LSTM", "tanh")]
    for kind, nl in kinds:
        for bf in (False, True):
            for L in (1, 2):
                for bi in (False, True):
                    cases.append(case(kind, nl, bf, L, bi))
        cases.append(case(kind, nl, True, 2, True, init_state=True))
        cases.append(case(kind, nl, False, 1, False, bias=False, init_state=True))
        cases.append(case(kind, nl, False, 2, True, unbatched=True, init_state=True))
    with open(os.path.join(ROOT, "rnn.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
