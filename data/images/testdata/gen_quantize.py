"""Reference values for convert(mode="P", palette=ADAPTIVE, colors=N):
Pillow 9.4's median-cut quantisation (Image.convert calls im.quantize).

Run from the repository root with Debian's Python (PIL 9.4, numpy):

    /usr/bin/python3 data/images/testdata/gen_quantize.py

It converts rgb.png, square.png, noise.png (RGB), gray.png, mnist0.png (L)
and a 300 x 300 RGB image of more than 65,536 colours made from a formula
("formula", which the Go test rebuilds; median cut then hashes reduced
colours) and writes expected_quantize.json: each case has the palette
indices (zlib-compressed bytes in base64), the palette (getpalette(): 256
entries, zeros after the colours used) and the image converted back to RGB (its
bytes, zlib, base64).
"""
import base64
import json
import os
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
imgs = {n: Image.open(os.path.join(HERE, n)).convert("RGB") for n in ["rgb.png", "square.png", "noise.png"]}
imgs.update({n: Image.open(os.path.join(HERE, n)).convert("L") for n in ["gray.png", "mnist0.png"]})


def formula():
    W = H = 300
    a = np.zeros((H, W, 3), np.uint8)
    for y in range(H):
        for x in range(W):
            a[y, x] = (x % 256, y % 256, ((x // 256) * 97 + (y // 256) * 57 + x * y) % 256)
    return Image.fromarray(a, "RGB")


imgs["formula"] = formula()
assert len(set(imgs["formula"].getdata())) > 65536

cases = []
for src, im in imgs.items():
    for colors in ([1, 2, 5, 16, 64, 256] if src != "formula" else [16, 200]):
        out = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=colors)
        back = np.asarray(out.convert("RGB"))
        cases.append({"src": src, "colors": colors, "mode": out.mode,
                      "index": base64.b64encode(zlib.compress(np.asarray(out).tobytes(), 9)).decode(),
                      "palette": out.getpalette()[:768],
                      "rgb": base64.b64encode(zlib.compress(back.tobytes(), 9)).decode()})
with open(os.path.join(HERE, "expected_quantize.json"), "w") as f:
    json.dump({"pillow": Image.__version__, "cases": cases}, f)
print(len(cases), "cases")
