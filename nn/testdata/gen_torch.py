"""Generate PyTorch reference fixtures for the nn and nn/optim packages.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_torch.py

It writes nn/testdata/layers.json (forward outputs and input/parameter
gradients of every layer, activation and loss on fixed inputs),
nn/optim/testdata/optim.json (10-step optimizer trajectories, scheduler
learning-rate sequences, gradient clipping) and nn/testdata/curves.json
(50-step training loss curves of a small MLP and CNN from identical initial
weights and batches). Every tensor is stored as {"shape": [...], "data": [...]}.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def rnd(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).to(torch.float32)


layer_cases = []


def layer_case(name, typ, args, module, x, train=True, x_requires_grad=True, setup=None):
    """Run module on x, backpropagate sum(out * r) and record everything."""
    if setup:
        setup(module)
    module.train(train)
    state_before = {k: T(v) for k, v in module.state_dict().items()}
    x = x.clone()
    if x_requires_grad:
        x.requires_grad_(True)
    out = module(x)
    r = rnd(*out.shape)
    (out * r).sum().backward()
    case = {
        "name": name,
        "type": typ,
        "args": args,
        "train": train,
        "input": T(x),
        "state": state_before,
        "output": T(out),
        "upstream": T(r),
        "input_grad": T(x.grad) if x_requires_grad else None,
        "param_grads": {k: T(p.grad) for k, p in module.named_parameters() if p.grad is not None},
        "state_after": {k: T(v) for k, v in module.state_dict().items()},
    }
    layer_cases.append(case)


def randomize(m):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(rnd(*p.shape, scale=0.5))


# Linear
layer_case("linear", "Linear", {"in_features": 5, "out_features": 3}, nn.Linear(5, 3), rnd(4, 5))
layer_case("linear_nobias_3d", "Linear", {"in_features": 5, "out_features": 2, "bias": False}, nn.Linear(5, 2, bias=False), rnd(2, 3, 5))
# Conv2d
layer_case("conv_pad", "Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1}, nn.Conv2d(3, 4, 3, padding=1), rnd(2, 3, 6, 6))
layer_case("conv_groups", "Conv2d", {"in_channels": 4, "out_channels": 6, "kernel_size": [3, 2], "stride": 2, "padding": [1, 0], "dilation": [2, 1], "groups": 2},
           nn.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 0), dilation=(2, 1), groups=2), rnd(2, 4, 9, 8))
layer_case("conv_1x1", "Conv2d", {"in_channels": 3, "out_channels": 5, "kernel_size": 1}, nn.Conv2d(3, 5, 1), rnd(2, 3, 4, 4))
layer_case("conv_nobias_stride", "Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 2, "stride": [2, 1], "bias": False}, nn.Conv2d(2, 3, 2, stride=(2, 1), bias=False), rnd(1, 2, 5, 5))
# ConvTranspose2d
layer_case("convt_groups", "ConvTranspose2d", {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
           nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), rnd(2, 4, 5, 5))
layer_case("convt_rect", "ConvTranspose2d", {"in_channels": 3, "out_channels": 2, "kernel_size": [2, 3], "dilation": [1, 2]},
           nn.ConvTranspose2d(3, 2, (2, 3), dilation=(1, 2)), rnd(1, 3, 4, 4))
# Pooling
layer_case("maxpool2", "MaxPool2d", {"kernel_size": 2}, nn.MaxPool2d(2), rnd(2, 3, 6, 6))
layer_case("maxpool2_odd", "MaxPool2d", {"kernel_size": 2}, nn.MaxPool2d(2), rnd(1, 2, 7, 5))
layer_case("maxpool_ceil", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, nn.MaxPool2d(3, 2, 1, ceil_mode=True), rnd(2, 2, 7, 7))
layer_case("maxpool_dil", "MaxPool2d", {"kernel_size": 2, "dilation": 2}, nn.MaxPool2d(2, dilation=2), rnd(1, 2, 7, 7))
layer_case("avgpool2", "AvgPool2d", {"kernel_size": 2}, nn.AvgPool2d(2), rnd(2, 3, 6, 6))
layer_case("avgpool_ceil_nopad", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
           nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), rnd(2, 2, 8, 7))
layer_case("avgpool_pad", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, nn.AvgPool2d(3, 2, 1), rnd(1, 2, 6, 5))
layer_case("adaptive", "AdaptiveAvgPool2d", {"output_size": [3, 2]}, nn.AdaptiveAvgPool2d((3, 2)), rnd(2, 3, 7, 5))
layer_case("adaptive_1", "AdaptiveAvgPool2d", {"output_size": 1}, nn.AdaptiveAvgPool2d(1), rnd(2, 3, 4, 4))
layer_case("flatten", "Flatten", {}, nn.Flatten(), rnd(2, 3, 2, 2))
# Normalisation
layer_case("bn1d_train", "BatchNorm1d", {"num_features": 4}, nn.BatchNorm1d(4), rnd(6, 4) * 2 + 1, setup=randomize)
layer_case("bn1d_3d_train", "BatchNorm1d", {"num_features": 3, "momentum": 0.3}, nn.BatchNorm1d(3, momentum=0.3), rnd(4, 3, 5), setup=randomize)


def set_running(m):
    randomize(m)
    with torch.no_grad():
        m.running_mean.copy_(rnd(*m.running_mean.shape))
        m.running_var.copy_(rnd(*m.running_var.shape).abs() + 0.5)


layer_case("bn2d_train", "BatchNorm2d", {"num_features": 3}, nn.BatchNorm2d(3), rnd(4, 3, 3, 3), setup=randomize)
layer_case("bn2d_eval", "BatchNorm2d", {"num_features": 3, "eps": 0.001}, nn.BatchNorm2d(3, eps=1e-3), rnd(2, 3, 3, 3), train=False, setup=set_running)
bn_cum = nn.BatchNorm1d(3, momentum=None)
with torch.no_grad():
    bn_cum(rnd(5, 3))
    bn_cum(rnd(5, 3) + 1)
layer_case("bn1d_cumulative", "BatchNorm1d", {"num_features": 3, "momentum": None}, bn_cum, rnd(4, 3) * 3)
layer_case("bn2d_noaffine", "BatchNorm2d", {"num_features": 2, "affine": False}, nn.BatchNorm2d(2, affine=False), rnd(3, 2, 2, 2))
layer_case("layernorm", "LayerNorm", {"normalized_shape": 5}, nn.LayerNorm(5), rnd(3, 5), setup=randomize)
layer_case("layernorm_2d", "LayerNorm", {"normalized_shape": [2, 3], "eps": 1e-3}, nn.LayerNorm([2, 3], eps=1e-3), rnd(4, 2, 3), setup=randomize)


class EmbFloat(nn.Embedding):
    """An Embedding fed float32 indices, as the Go layer takes them."""

    def forward(self, x):
        return super().forward(x.long())


layer_case("embedding", "Embedding", {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0}, EmbFloat(10, 4, padding_idx=0),
           torch.tensor([[1, 0, 3, 9, 3], [2, 2, 0, 7, 5], [4, 1, 8, 6, 0]], dtype=torch.float32), x_requires_grad=False)


# Activations
for nm, typ, args, mod in [
    ("relu", "ReLU", {}, nn.ReLU()),
    ("leaky", "LeakyReLU", {"negative_slope": 0.2}, nn.LeakyReLU(0.2)),
    ("leaky_default", "LeakyReLU", {}, nn.LeakyReLU()),
    ("sigmoid", "Sigmoid", {}, nn.Sigmoid()),
    ("tanh", "Tanh", {}, nn.Tanh()),
    ("gelu", "GELU", {}, nn.GELU()),
    ("gelu_tanh", "GELU", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
    ("softmax", "Softmax", {"dim": 1}, nn.Softmax(dim=1)),
    ("logsoftmax", "LogSoftmax", {"dim": -1}, nn.LogSoftmax(dim=-1)),
]:
    layer_case(nm, typ, args, mod, rnd(3, 4) * 2)
layer_case("softmax_3d", "Softmax", {"dim": 1}, nn.Softmax(dim=1), rnd(2, 3, 4))
layer_case("logsoftmax_3d_dim0", "LogSoftmax", {"dim": 0}, nn.LogSoftmax(dim=0), rnd(2, 3, 4))

# Sequential naming
seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
layer_case("sequential", "Sequential", {"layers": [
    {"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3},
    {"type": "ReLU"},
    {"type": "BatchNorm2d", "num_features": "auto"},
    {"type": "Flatten"},
    {"type": "Linear", "in_features": "auto", "out_features": 3}]}, seq, rnd(2, 1, 4, 4))



def write_safetensors(path, sd):
    """Write a state dict in the safetensors format (the safetensors package
    is not in Debian; the format is an 8-byte little-endian header length, a
    JSON header of dtype/shape/data_offsets, then the raw data)."""
    import struct
    header, blobs, off = {}, [], 0
    for k in sorted(sd):
        t = sd[k].detach().contiguous()
        dt = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64"}[t.dtype]
        b = t.numpy().tobytes()
        header[k] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


write_safetensors(os.path.join(ROOT, "sequential.safetensors"), seq.state_dict())

# Losses
loss_cases = []


def loss_case(name, typ, args, fn, x, target, target_long=False):
    x = x.clone().requires_grad_(True)
    tgt = target.long() if target_long else target
    out = fn(x, tgt)
    r = rnd(*out.shape) if out.dim() > 0 else torch.tensor(1.0)
    (out * r).sum().backward()
    loss_cases.append({"name": name, "type": typ, "args": args, "input": T(x), "target": T(target.float()),
                       "output": T(out), "upstream": T(r), "input_grad": T(x.grad)})


logits = rnd(6, 4) * 2
tg = torch.tensor([0, 3, 1, 1, 2, 3])
tg_ign = torch.tensor([0, 3, -100, 1, 2, -100])
w4 = torch.tensor([0.5, 2.0, 1.0, 1.5])
loss_case("ce", "CrossEntropyLoss", {}, nn.CrossEntropyLoss(), logits, tg, True)
loss_case("ce_weight", "CrossEntropyLoss", {"weight": w4.tolist()}, nn.CrossEntropyLoss(weight=w4), logits, tg, True)
loss_case("ce_ignore", "CrossEntropyLoss", {}, nn.CrossEntropyLoss(), logits, tg_ign, True)
loss_case("ce_ignore_custom", "CrossEntropyLoss", {"ignore_index": 2}, nn.CrossEntropyLoss(ignore_index=2), logits, tg, True)
loss_case("ce_smooth", "CrossEntropyLoss", {"label_smoothing": 0.1}, nn.CrossEntropyLoss(label_smoothing=0.1), logits, tg, True)
loss_case("ce_all", "CrossEntropyLoss", {"weight": w4.tolist(), "label_smoothing": 0.2}, nn.CrossEntropyLoss(weight=w4, label_smoothing=0.2), logits, tg_ign, True)
loss_case("ce_smooth_ignore", "CrossEntropyLoss", {"label_smoothing": 0.2}, nn.CrossEntropyLoss(label_smoothing=0.2), logits, tg_ign, True)
loss_case("ce_sum", "CrossEntropyLoss", {"reduction": "sum", "label_smoothing": 0.1}, nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1), logits, tg_ign, True)
loss_case("ce_none", "CrossEntropyLoss", {"reduction": "none", "weight": w4.tolist(), "label_smoothing": 0.1},
          nn.CrossEntropyLoss(reduction="none", weight=w4, label_smoothing=0.1), logits, tg_ign, True)
loss_case("ce_3d", "CrossEntropyLoss", {}, nn.CrossEntropyLoss(), rnd(2, 3, 5), torch.tensor([[0, 1, 2, 2, 1], [1, 0, 0, 2, 1]]), True)
soft = torch.softmax(rnd(6, 4), dim=1)
loss_case("ce_soft", "CrossEntropyLoss", {}, nn.CrossEntropyLoss(), logits, soft)
loss_case("ce_soft_all", "CrossEntropyLoss", {"weight": w4.tolist(), "label_smoothing": 0.1, "reduction": "none"},
          nn.CrossEntropyLoss(weight=w4, label_smoothing=0.1, reduction="none"), logits, soft)
loss_case("ce_soft_3d_sum", "CrossEntropyLoss", {"reduction": "sum"}, nn.CrossEntropyLoss(reduction="sum"), rnd(2, 3, 4), torch.softmax(rnd(2, 3, 4), dim=1))
logp = F.log_softmax(rnd(6, 4), dim=1)
loss_case("nll", "NLLLoss", {}, nn.NLLLoss(), logp, tg, True)
loss_case("nll_weight_ignore", "NLLLoss", {"weight": w4.tolist()}, nn.NLLLoss(weight=w4), logp, tg_ign, True)
loss_case("nll_none", "NLLLoss", {"reduction": "none"}, nn.NLLLoss(reduction="none"), logp, tg_ign, True)
probs = torch.sigmoid(rnd(5, 3))
bt = (rnd(5, 3) > 0).float()
loss_case("bce", "BCELoss", {}, nn.BCELoss(), probs, bt)
loss_case("bce_soft_sum", "BCELoss", {"reduction": "sum"}, nn.BCELoss(reduction="sum"), probs, torch.rand(5, 3))
loss_case("bce_logits", "BCEWithLogitsLoss", {}, nn.BCEWithLogitsLoss(), rnd(5, 3) * 3, bt)
pw = torch.tensor([1.0, 2.0, 0.5])
loss_case("bce_logits_pw", "BCEWithLogitsLoss", {"pos_weight": pw.tolist(), "reduction": "none"}, nn.BCEWithLogitsLoss(pos_weight=pw, reduction="none"), rnd(5, 3) * 3, bt)
yr = rnd(4, 3)
xr = rnd(4, 3)
loss_case("mse", "MSELoss", {}, nn.MSELoss(), xr, yr)
loss_case("mse_sum", "MSELoss", {"reduction": "sum"}, nn.MSELoss(reduction="sum"), xr, yr)
loss_case("l1", "L1Loss", {}, nn.L1Loss(), xr, yr)
loss_case("l1_none", "L1Loss", {"reduction": "none"}, nn.L1Loss(reduction="none"), xr, yr)
loss_case("smoothl1", "SmoothL1Loss", {}, nn.SmoothL1Loss(), xr * 2, yr)
loss_case("smoothl1_beta", "SmoothL1Loss", {"beta": 0.5}, nn.SmoothL1Loss(beta=0.5), xr * 2, yr)

with open(os.path.join(ROOT, "layers.json"), "w") as f:
    json.dump({"torch": torch.__version__, "layers": layer_cases, "losses": loss_cases}, f)

# ---- optimizers, schedulers, clipping
p0 = rnd(2, 3)
target = rnd(2, 3)
coef = torch.rand(2, 3) + 0.5
opt_cases = []
for name, cls, kw in [
    ("sgd", torch.optim.SGD, {"lr": 0.1}),
    ("sgd_momentum", torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    ("sgd_damp_wd", torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd_nesterov", torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("sgd_wd", torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.1}),
    ("adam", torch.optim.Adam, {"lr": 0.05}),
    ("adam_wd_ams", torch.optim.Adam, {"lr": 0.05, "betas": [0.8, 0.99], "weight_decay": 0.1, "amsgrad": True}),
    ("adamw", torch.optim.AdamW, {"lr": 0.05}),
    ("adamw_ams", torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.2, "amsgrad": True, "eps": 1e-6}),
    ("rmsprop", torch.optim.RMSprop, {"lr": 0.01}),
    ("rmsprop_all", torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("adagrad", torch.optim.Adagrad, {}),
    ("adagrad_all", torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
]:
    p = p0.clone().requires_grad_(True)
    opt = cls([p], **kw)
    traj = []
    for _ in range(10):
        opt.zero_grad()
        loss = (coef * (p - target) ** 2).sum()
        loss.backward()
        opt.step()
        traj.append(T(p))
    opt_cases.append({"name": name, "optimizer": cls.__name__, "args": kw, "trajectory": traj})

sched_cases = []


def sched_run(name, make, n=15, metrics=None, args=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.5)
    s = make(opt)
    lrs = []
    for i in range(n):
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[i])
        lrs.append(opt.param_groups[0]["lr"])
    sched_cases.append({"name": name, "args": args, "metrics": metrics, "lrs": lrs})


sched_run("step", lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5), args={"step_size": 3, "gamma": 0.5})
sched_run("exponential", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9), args={"gamma": 0.9})
sched_run("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 5, 0.01), n=23, args={"T_max": 5, "eta_min": 0.01})
m1 = [1.0, 0.9, 0.95, 0.95, 0.96, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
sched_run("plateau_min", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=2, cooldown=1, factor=0.5, min_lr=0.05), n=20, metrics=m1,
          args={"patience": 2, "cooldown": 1, "factor": 0.5, "min_lr": 0.05})
m2 = [0.1, 0.2, 0.25, 0.25, 0.2, 0.3, 0.3, 0.3, 0.31, 0.3, 0.3, 0.3]
sched_run("plateau_max_abs", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="max", patience=1, threshold=0.02, threshold_mode="abs"), n=12, metrics=m2,
          args={"mode": "max", "patience": 1, "threshold": 0.02, "threshold_mode": "abs"})

ga, gb = rnd(3, 4), rnd(5)
clip = []
for mx in [0.5, 100.0]:
    a, b = torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)
    a.grad, b.grad = ga.clone(), gb.clone()
    tot = torch.nn.utils.clip_grad_norm_([a, b], mx)
    clip.append({"max_norm": mx, "total": float(tot), "a": T(a.grad), "b": T(b.grad)})

optdir = os.path.join(ROOT, "..", "optim", "testdata")
os.makedirs(optdir, exist_ok=True)
with open(os.path.join(optdir, "optim.json"), "w") as f:
    json.dump({"torch": torch.__version__, "p0": T(p0), "target": T(target), "coef": T(coef), "optimizers": opt_cases,
               "schedulers": sched_cases, "clip": {"grad_a": T(ga), "grad_b": T(gb), "cases": clip}}, f)

# ---- 50-step training curves
def curve(model, batches, targets, make_opt, steps=50):
    init = {k: T(v) for k, v in model.state_dict().items()}
    opt = make_opt(model.parameters())
    lossf = nn.CrossEntropyLoss()
    losses = []
    for s in range(steps):
        x, y = batches[s % len(batches)], targets[s % len(targets)]
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return init, losses


torch.manual_seed(1)
mlp = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 3))
xb = [rnd(16, 20) for _ in range(5)]
wtrue = rnd(20, 3)
yb = [(x @ wtrue).argmax(1) for x in xb]
init, losses = curve(mlp, xb, yb, lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9))
mlp_case = {"layers": [{"type": "Linear", "in_features": 20, "out_features": 32}, {"type": "ReLU"},
                       {"type": "Linear", "in_features": 32, "out_features": 16}, {"type": "ReLU"},
                       {"type": "Linear", "in_features": 16, "out_features": 3}],
            "input_shape": [16, 20], "optimizer": "SGD", "args": {"lr": 0.05, "momentum": 0.9},
            "init": init, "batches": [T(x) for x in xb], "targets": [T(y.float()) for y in yb], "losses": losses}

cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 5 * 5, 3))
xc = [rnd(8, 1, 12, 12) for _ in range(5)]
wc = rnd(144, 3)
yc = [(x.reshape(8, -1) @ wc).argmax(1) for x in xc]
init, losses = curve(cnn, xc, yc, lambda ps: torch.optim.Adam(ps, lr=0.01))
cnn_case = {"layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
                       {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
                       {"type": "Linear", "in_features": 100, "out_features": 3}],
            "input_shape": [8, 1, 12, 12], "optimizer": "Adam", "args": {"lr": 0.01},
            "init": init, "batches": [T(x) for x in xc], "targets": [T(y.float()) for y in yc], "losses": losses}

with open(os.path.join(ROOT, "curves.json"), "w") as f:
    json.dump({"torch": torch.__version__, "mlp": mlp_case, "cnn": cnn_case}, f)
print("wrote", len(layer_cases), "layer cases,", len(loss_cases), "loss cases,", len(opt_cases), "optimizer cases")
