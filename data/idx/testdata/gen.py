"""Generate the tiny IDX fixtures and MNIST reference values.

Run from the repository root with Debian's Python (torch 1.13, torchvision
0.14):

    /usr/bin/python3 data/idx/testdata/gen.py

It writes tiny-images-idx3-ubyte(.gz) and tiny-labels-idx1-ubyte (20 images
of 7x5), corrupt variants, and expected.json with what torchvision's MNIST
reader and ToTensor give for the tiny files and for the MNIST test set in
../shared/data/mnist (when present).
"""
import gzip
import json
import os
import struct

import numpy as np
import torch
import torchvision.transforms as T
from torchvision.datasets.mnist import read_image_file, read_label_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
rs = np.random.RandomState(1)

n, h, w = 20, 7, 5
imgs = rs.randint(0, 256, size=(n, h, w)).astype(np.uint8)
labels = (np.arange(n) % 4).astype(np.uint8)
img_bytes = struct.pack(">IIII", 0x803, n, h, w) + imgs.tobytes()
lab_bytes = struct.pack(">II", 0x801, n) + labels.tobytes()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


write("tiny-images-idx3-ubyte", img_bytes)
write("tiny-images-idx3-ubyte.gz", gzip.compress(img_bytes, mtime=0))
write("tiny-labels-idx1-ubyte", lab_bytes)
# Corrupt variants.
write("truncated-images-idx3-ubyte", img_bytes[:-7])
write("badmagic-idx3-ubyte", struct.pack(">I", 0x804) + img_bytes[4:])
write("huge-images-idx3-ubyte", struct.pack(">IIII", 0x803, 2**31, 28, 28) + imgs.tobytes())
write("short-labels-idx1-ubyte", struct.pack(">II", 0x801, n - 1) + labels.tobytes()[:-1])
write("trailing-labels-idx1-ubyte", lab_bytes + b"\x00\x00")

exp = {}
ti = read_image_file(os.path.join(HERE, "tiny-images-idx3-ubyte"))
tl = read_label_file(os.path.join(HERE, "tiny-labels-idx1-ubyte"))
x = torch.stack([T.ToTensor()(T.functional.to_pil_image(im.numpy(), mode="L")) for im in ti])
exp["tiny"] = {"shape": list(x.shape), "data": x.reshape(-1).tolist(), "labels": tl.tolist()}

mn = os.path.join(ROOT, "..", "shared", "data", "mnist")
if os.path.exists(os.path.join(mn, "t10k-images-idx3-ubyte.gz")):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
            with gzip.open(os.path.join(mn, name + ".gz")) as src, open(os.path.join(d, name), "wb") as dst:
                dst.write(src.read())
        mi = read_image_file(os.path.join(d, "t10k-images-idx3-ubyte"))
        ml = read_label_file(os.path.join(d, "t10k-labels-idx1-ubyte"))
    xs = mi.float() / 255
    exp["mnist_t10k"] = {
        "shape": list(mi.shape),
        "labels_first20": ml[:20].tolist(),
        "label_counts": torch.bincount(ml, minlength=10).tolist(),
        "first_image": xs[0].reshape(-1).tolist(),
        "mean": float(xs.double().mean()),
        "std": float(xs.double().std()),
    }
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(exp, f)
print("ok", sorted(exp))
