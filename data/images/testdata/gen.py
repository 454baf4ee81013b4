"""Generate the image fixtures and the torchvision reference values.

Run from the repository root with Debian's Python, which has PIL 9.4,
numpy, torch 1.13 and torchvision 0.14 (apt-get install python3-torchvision):

    /usr/bin/python3 data/images/testdata/gen.py

It writes small images (PNG RGB/RGBA/palette/gray, JPEG 4:4:4 and 4:2:0, GIF,
plus corrupt ones) under data/images/testdata/ and the expected results of
decoding and of each transform, computed by PIL and torchvision.transforms,
to data/images/testdata/expected.json.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rs = np.random.RandomState(0)


def smooth(h, w, c):
    """A smooth gradient plus noise, so that resampling has work to do."""
    y, x = np.mgrid[0:h, 0:w]
    out = np.zeros((h, w, c))
    for k in range(c):
        out[..., k] = 127 + 100 * np.sin(x / (3.0 + k) + y / (4.0 + 2 * k))
    out += rs.randint(-25, 26, size=out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def save(img, name, **kw):
    img.save(os.path.join(HERE, name), **kw)


rgb = Image.fromarray(smooth(17, 23, 3), "RGB")
save(rgb, "rgb.png")
square = Image.fromarray(smooth(16, 16, 3), "RGB")
save(square, "square.png")
rgba_arr = np.dstack([smooth(9, 11, 3), rs.randint(0, 256, size=(9, 11)).astype(np.uint8)])
save(Image.fromarray(rgba_arr, "RGBA"), "rgba.png")
save(Image.fromarray(smooth(12, 10, 1)[..., 0], "L"), "gray.png")
pal = rgb.convert("P", palette=Image.ADAPTIVE, colors=16)
save(pal, "palette.png")
save(rgb, "q444.jpg", quality=95, subsampling=0)
save(rgb, "q420.jpg", quality=90, subsampling=2)
frames = [rgb.convert("P", palette=Image.ADAPTIVE, colors=32), Image.fromarray(smooth(17, 23, 3)).convert("P", palette=Image.ADAPTIVE, colors=32)]
frames[0].save(os.path.join(HERE, "anim.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)

# A GIF whose first frame covers only part of its 10x8 logical screen, at
# (2, 1): PIL fills the rest with palette index 0.
part = Image.fromarray((np.arange(30).reshape(5, 6) * 7 % 200 + 20).astype(np.uint8), "L").convert("P")
buf = io.BytesIO()
part.save(buf, "GIF")
g = bytearray(buf.getvalue())
g[6:10] = struct.pack("<HH", 10, 8)
sep = 13 + 3 * 2 ** ((g[10] & 7) + 1)  # header, screen descriptor, global palette
while g[sep] == 0x21:  # skip extension blocks
    sep += 2
    while g[sep]:
        sep += g[sep] + 1
    sep += 1
assert g[sep] == 0x2C
g[sep + 1 : sep + 5] = struct.pack("<HH", 2, 1)
open(os.path.join(HERE, "partial.gif"), "wb").write(bytes(g))

# Corrupt and hostile files.
good = open(os.path.join(HERE, "rgb.png"), "rb").read()
open(os.path.join(HERE, "truncated.png"), "wb").write(good[: len(good) // 2])
open(os.path.join(HERE, "notanimage.png"), "wb").write(b"hello, I am text\n")


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
huge = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
open(os.path.join(HERE, "huge.png"), "wb").write(huge)

exp = {"versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "PIL": Image.__version__}}


def arr(img):
    a = np.asarray(img)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def ten(t):
    # 7 decimals: far below the tests' tolerances (1e-6 and 1e-5), half the file size.
    return {"shape": list(t.shape), "data": [round(float(v), 7) for v in t.reshape(-1).tolist()]}


# Decoding: PIL's convert("RGB") and convert("L") of each file.
exp["decode"] = {}
for name in ["rgb.png", "rgba.png", "gray.png", "palette.png", "q444.jpg", "q420.jpg", "anim.gif", "partial.gif"]:
    im = Image.open(os.path.join(HERE, name))
    exp["decode"][name] = {"RGB": arr(im.convert("RGB")), "L": arr(im.convert("L"))}

# Transforms on PIL images, each from rgb.png (or the file named).
cases = []


def case(name, src, transform, params, out):
    if isinstance(out, Image.Image):
        cases.append({"name": name, "src": src, "transform": params, "image": arr(out)})
    else:
        cases.append({"name": name, "src": src, "transform": params, "tensor": ten(out)})


imgs = {"rgb.png": rgb, "square.png": square, "gray.png": Image.open(os.path.join(HERE, "gray.png")).convert("L")}
for src in ["rgb.png", "gray.png"]:
    im = imgs[src]
    for size in [8, 5, 40, [7, 11], [30, 9], [17, 23]]:
        for interp, mode in [("bilinear", T.InterpolationMode.BILINEAR), ("bicubic", T.InterpolationMode.BICUBIC), ("nearest", T.InterpolationMode.NEAREST)]:
            p = {"type": "Resize", "size": size, "interpolation": interp}
            case("resize", src, None, p, T.Resize(size, interpolation=mode)(im))
    p = {"type": "Resize", "size": 8, "max_size": 10}
    case("resize_max", src, None, p, T.Resize(8, max_size=10)(im))
    for size in [5, [6, 9], [20, 30], 17, [17, 23]]:
        case("centercrop", src, None, {"type": "CenterCrop", "size": size}, T.CenterCrop(size)(im))
    case("grayscale1", src, None, {"type": "Grayscale"}, T.Grayscale(1)(im))
    case("grayscale3", src, None, {"type": "Grayscale", "num_output_channels": 3}, T.Grayscale(3)(im))
    case("totensor", src, None, {"type": "ToTensor"}, T.ToTensor()(im))
for src in ["rgb.png", "square.png"]:
    im = imgs[src]
    for angle in [30, -45.5, 90, 180, 270, 12.3, 359.9, -90]:
        # RandomRotation draws the angle; its geometry is F.rotate's.
        case("rotate", src, angle, {"angle": angle}, F.rotate(im, angle, T.InterpolationMode.NEAREST, fill=0))
        case("rotate", src, angle, {"angle": angle, "expand": True}, F.rotate(im, angle, T.InterpolationMode.NEAREST, expand=True, fill=0))
        case("rotate", src, angle, {"angle": angle, "center": [3, 5.5]}, F.rotate(im, angle, T.InterpolationMode.NEAREST, center=[3, 5.5], fill=0))
    case("hflip", src, None, {}, F.hflip(im))
    case("vflip", src, None, {}, F.vflip(im))
    for mode in ["constant", "edge", "reflect", "symmetric"]:
        case("pad", src, None, {"padding": [3, 1, 2, 4], "mode": mode, "fill": 7}, F.pad(im, [3, 1, 2, 4], fill=7 if mode == "constant" else 0, padding_mode=mode))
# Normalize and resizing of tensors (torchvision's antialiased tensor path).
t = T.ToTensor()(rgb)
case("normalize", "rgb.png", None, {"type": "Normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(t))
case("normalize", "rgb.png", None, {"type": "Normalize", "mean": [0.5], "std": [0.25]}, T.Normalize([0.5], [0.25])(t))
for size in [8, [7, 11], 40, [13, 50]]:
    for interp, mode in [("bilinear", T.InterpolationMode.BILINEAR), ("bicubic", T.InterpolationMode.BICUBIC), ("nearest", T.InterpolationMode.NEAREST)]:
        case("resize_tensor", "rgb.png", None, {"type": "Resize", "size": size, "interpolation": interp}, T.Resize(size, interpolation=mode, antialias=interp != "nearest")(t))
case("grayscale_tensor", "rgb.png", None, {"type": "Grayscale", "num_output_channels": 3}, T.Grayscale(3)(t))
# the InterpolationModes torchvision takes for PIL images only (PIL's filters)
for src in ["rgb.png", "gray.png"]:
    for size in [8, 40, [7, 11]]:
        for interp, mode in [("lanczos", T.InterpolationMode.LANCZOS), ("box", T.InterpolationMode.BOX), ("hamming", T.InterpolationMode.HAMMING)]:
            case("resize", src, None, {"type": "Resize", "size": size, "interpolation": interp}, T.Resize(size, interpolation=mode)(imgs[src]))
    # RandomResizedCrop with scale and ratio fixed to the whole image: PIL's resize of it
    for interp, mode in [("lanczos", T.InterpolationMode.LANCZOS), ("hamming", T.InterpolationMode.HAMMING)]:
        p = {"type": "RandomResizedCrop", "size": [9, 6], "scale": [1, 1], "ratio": [imgs[src].width / imgs[src].height] * 2, "interpolation": interp}
        case("resizedcrop_whole", src, None, p, T.RandomResizedCrop([9, 6], scale=(1, 1), ratio=tuple(p["ratio"]), interpolation=mode)(imgs[src]))
exp["cases"] = cases

# Whole pipeline for the benchmark comparison and an end-to-end check.
pipe = T.Compose([T.Resize(12), T.CenterCrop(10), T.ToTensor(), T.Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2])])
exp["pipeline"] = ten(pipe(rgb.convert("RGB")))

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(exp, f, separators=(",", ":"))
print("wrote", len(cases), "cases")
