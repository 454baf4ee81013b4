"""Writes the small image fixtures of the spec tests.

Run from the repository root with Debian's Python (it needs Pillow):

    /usr/bin/python3 spec/testdata/gen_images.py

It writes, under spec/testdata/bad and spec/testdata/good, idx/images.gz and
idx/labels.gz (24 gray 8 x 8 images with labels 0..3, gzipped IDX files) and
shapes/{circle,square}/N.png (6 RGB 12 x 10 images per class).
"""
import gzip
import os
import struct

from PIL import Image

N, H, W = 24, 8, 8


def idx(root):
    os.makedirs(os.path.join(root, "idx"), exist_ok=True)
    pix = bytes((i * 7 + j * 3) % 256 for i in range(N) for j in range(H * W))
    with gzip.open(os.path.join(root, "idx", "images.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, N, H, W) + pix)
    with gzip.open(os.path.join(root, "idx", "labels.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, N) + bytes(i % 4 for i in range(N)))


def shapes(root):
    for c, cls in enumerate(["circle", "square"]):
        d = os.path.join(root, "shapes", cls)
        os.makedirs(d, exist_ok=True)
        for k in range(6):
            im = Image.new("RGB", (12, 10), (40 * c + k, 100, 200 - 30 * c))
            im.save(os.path.join(d, "%d.png" % k))


for root in ["spec/testdata/bad", "spec/testdata/good"]:
    idx(root)
    shapes(root)
