"""Checks that mlforge networks and PyTorch exchange weights both ways.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 model/testdata/torch_interop.py

1. Go to PyTorch: model/testdata/go_net/model.safetensors is an mlforge
   model file written by `go test ./model -run TestGoNetForTorch
   -update-interop` (a small CNN trained a few steps in Go). This script
   reads its manifest, builds the same torch.nn.Sequential (filling the
   "auto" sizes by running a dummy input through the layers), loads the
   tensors with load_state_dict(strict=True) exactly as stored (the names
   are PyTorch's state_dict keys), and compares the outputs with the Go
   outputs of go_net/io.json. It prints the largest absolute difference.

2. PyTorch to Go: it trains the same kind of network in PyTorch for a few
   steps, saves its state_dict as model/testdata/torch_net.safetensors and
   the layers, inputs and PyTorch's outputs as model/testdata/torch_net.json,
   which TestTorchNetInGo loads and compares.

safetensors files are read and written by hand (8-byte little-endian header
length, JSON header, raw little-endian data) when the safetensors package
with its torch module is not installed.
"""
import json
import struct

import numpy as np
import torch

DTYPES = {"F32": (np.float32, torch.float32), "F64": (np.float64, torch.float64), "I64": (np.int64, torch.int64)}


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        np_dtype, _ = DTYPES[info["dtype"]]
        lo, hi = info["data_offsets"]
        arr = np.frombuffer(data[lo:hi], dtype=np.dtype(np_dtype).newbyteorder("<")).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


def save_safetensors(path, tensors, metadata=None):
    try:
        from safetensors.torch import save_file
        save_file(tensors, path, metadata=metadata)
        return
    except ImportError:
        pass
    header, chunks, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        dtype = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]
        b = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


AUTO = {"Linear": "in_features", "Conv2d": "in_channels", "ConvTranspose2d": "in_channels",
        "BatchNorm1d": "num_features", "BatchNorm2d": "num_features", "LayerNorm": "normalized_shape"}


def build(layers, input_shape):
    """Builds torch.nn.Sequential from mlforge layer specs, filling "auto"."""
    x = torch.zeros([1] + list(input_shape))
    mods = []
    for spec in layers:
        kw = {k: v for k, v in spec.items() if k != "type"}
        typ = spec["type"]
        key = AUTO.get(typ)
        if key and kw.get(key, "auto") == "auto":
            if typ in ("Linear", "LayerNorm"):
                kw[key] = x.shape[-1]
            else:
                kw[key] = x.shape[1]
        m = getattr(torch.nn, typ)(**kw)
        m.eval()
        with torch.no_grad():
            x = m(x)
        mods.append(m)
    return torch.nn.Sequential(*mods)


def go_to_torch():
    tensors, meta = load_safetensors("model/testdata/go_net/model.safetensors")
    man = json.loads(meta["manifest"])
    net = man["network"]
    model = build(net["layers"], net["input_shape"])
    model.load_state_dict(tensors, strict=True)
    model.eval()
    io = json.load(open("model/testdata/go_net/io.json"))
    x = torch.tensor(io["inputs"], dtype=torch.float32).reshape(io["input_shape"])
    with torch.no_grad():
        y = model(x).numpy().ravel()
    diff = np.abs(y - np.array(io["outputs"], dtype=np.float32)).max()
    print("Go -> PyTorch: %d state_dict entries loaded strictly, max |torch - mlforge| = %.3g over %d outputs"
          % (len(tensors), diff, y.size))
    return diff


def torch_to_go():
    torch.manual_seed(0)
    layers = [
        {"type": "Conv2d", "in_channels": 1, "out_channels": 6, "kernel_size": 3, "stride": 1, "padding": 1},
        {"type": "BatchNorm2d", "num_features": 6},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Conv2d", "in_channels": 6, "out_channels": 8, "kernel_size": 3},
        {"type": "Tanh"},
        {"type": "Flatten"},
        {"type": "Linear", "in_features": 8 * 3 * 3, "out_features": 12},
        {"type": "LayerNorm", "normalized_shape": 12},
        {"type": "LeakyReLU", "negative_slope": 0.1},
        {"type": "Linear", "in_features": 12, "out_features": 4},
    ]
    model = build(layers, [1, 10, 10])
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(25):
        x = torch.randn(16, 1, 10, 10)
        y = torch.randint(0, 4, (16,))
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    x = torch.randn(6, 1, 10, 10)
    with torch.no_grad():
        y = model(x)
    save_safetensors("model/testdata/torch_net.safetensors", dict(model.state_dict()))
    with open("model/testdata/torch_net.json", "w") as f:
        json.dump({"layers": layers, "input_shape": list(x.shape), "inputs": x.numpy().ravel().tolist(),
                   "outputs": y.numpy().ravel().tolist()}, f)
    print("PyTorch -> Go: wrote torch_net.safetensors (%d entries) and torch_net.json; run go test ./model -run TestTorchNetInGo -v"
          % len(model.state_dict()))


if __name__ == "__main__":
    go_to_torch()
    torch_to_go()
