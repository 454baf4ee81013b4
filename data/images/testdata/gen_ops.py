"""Reference values for the Pillow image operations (images.ParseImageOps).

Run from the repository root with Debian's Python (PIL 9.4, numpy,
torchvision 0.14 for what ToTensor makes of each mode):

    /usr/bin/python3 data/images/testdata/gen_ops.py

It applies Pillow's Image methods to rgb.png, square.png, noise.png (RGB)
and gray.png, mnist1.png (L) and writes expected_ops.json: each case is the
JSON list given to ParseImageOps, the source and Pillow's result (for
modes I and F the 32-bit values).
"""
import json
import os

import numpy as np
import torchvision.transforms.functional as F
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
imgs = {n: Image.open(os.path.join(HERE, n)).convert("RGB") for n in ["rgb.png", "square.png", "noise.png"]}
imgs.update({n: Image.open(os.path.join(HERE, n)).convert("L") for n in ["gray.png", "mnist1.png"]})

cases = []


def case(src, ops, fn, tensor=False):
    out = fn(imgs[src])
    a = np.asarray(out.convert("L") if out.mode == "1" else out)
    c = {"src": src, "ops": ops, "mode": out.mode, "image": {"shape": list(a.shape), "data": a.reshape(-1).tolist()}}
    if tensor:
        # What torchvision's ToTensor makes of the image: its shape and
        # the divisor of the values (255 for 8-bit bands, 1 for I and F).
        t = F.to_tensor(out)
        nz = np.flatnonzero(a.reshape(-1))
        c["to_tensor"] = {"shape": list(t.shape), "div": float(a.reshape(-1)[nz[0]] / t.permute(1, 2, 0).reshape(-1)[nz[0]]) if len(nz) else 1.0}
    cases.append(c)


R = Image.Resampling
for src in imgs:
    im = imgs[src]
    w, h = im.size
    for mode in ["L", "RGB", "1", "YCbCr", "HSV"]:
        case(src, [{"convert": mode}], lambda i: i.convert(mode))
        case(src, [{"convert": {"mode": mode}}, {"convert": "RGB"}], lambda i: i.convert(mode).convert("RGB"))
    case(src, [{"convert": {"mode": "1", "dither": "Image.Dither.NONE"}}], lambda i: i.convert("1", dither=Image.Dither.NONE))
    if im.mode == "RGB":
        m4 = (0.412453, 0.357580, 0.180423, 0, )
        m12 = (0.412453, 0.357580, 0.180423, 0, 0.212671, 0.715160, 0.072169, 0, 0.019334, 0.119193, 0.950227, 0)
        case(src, [{"convert": {"mode": "L", "matrix": list(m4)}}], lambda i: i.convert("L", matrix=m4))
        case(src, [{"convert": {"mode": "RGB", "matrix": list(m12)}}], lambda i: i.convert("RGB", matrix=m12))
    for box in [(2, 3, 12, 9), (-3, -2, 7, 5), (0.4, 1.5, w + 2.6, h - 1.5)]:
        case(src, [{"crop": list(box)}], lambda i: i.crop(box))
    for name, r in [("NEAREST", R.NEAREST), ("Image.BILINEAR", R.BILINEAR), ("Image.Resampling.BICUBIC", R.BICUBIC),
                    ("Image.ANTIALIAS", R.LANCZOS), ("BOX", R.BOX), ("Resampling.HAMMING", R.HAMMING)]:
        for size in [(8, 6), (w * 2 + 1, h + 3), (5, h)]:
            case(src, [{"resize": {"size": list(size), "resample": name}}], lambda i: i.resize(size, r))
        box = (1.5, 2.25, w - 3.5, h - 1)
        case(src, [{"resize": [[9, 7], name, list(box)]}], lambda i: i.resize((9, 7), r, box))
        case(src, [{"resize": {"size": [4, 3], "resample": name, "reducing_gap": 1.5}}], lambda i: i.resize((4, 3), r, reducing_gap=1.5))
    case(src, [{"resize": {"size": [7, 5]}}], lambda i: i.resize((7, 5)))
    for factor, box in [(2, None), ((3, 2), None), (4, [1, 2, w - 1, h])]:
        case(src, [{"reduce": {"factor": factor if isinstance(factor, int) else list(factor), "box": box}}], lambda i: i.reduce(factor, box=box))
    for angle, rs, expand, center, translate, fill in [(30, "NEAREST", False, None, None, None), (-17.5, "Image.BILINEAR", True, None, None, 90),
                                                       (45, "BICUBIC", False, [3, 4], [2, -1], None), (90, 0, False, None, [1, 1], 200),
                                                       (123, 2, True, None, None, [10, 20, 30] if im.mode == "RGB" else 30)]:
        kw = {}
        if fill is not None:
            kw["fillcolor"] = tuple(fill) if isinstance(fill, list) else fill
        case(src, [{"rotate": {"angle": angle, "resample": rs, "expand": expand, "center": center, "translate": translate, "fillcolor": fill}}],
             lambda i: i.rotate(angle, resample=resampling(rs), expand=expand, center=center, translate=translate, **kw)
             if False else i.rotate(angle, {"NEAREST": R.NEAREST, "Image.BILINEAR": R.BILINEAR, "BICUBIC": R.BICUBIC, 0: R.NEAREST, 2: R.BILINEAR}[rs],
                                    expand, center, translate, **kw))
    for name, t in [("Image.Transpose.FLIP_LEFT_RIGHT", Image.Transpose.FLIP_LEFT_RIGHT), ("FLIP_TOP_BOTTOM", Image.Transpose.FLIP_TOP_BOTTOM),
                    ("Image.ROTATE_90", Image.Transpose.ROTATE_90), ("ROTATE_180", Image.Transpose.ROTATE_180), (4, Image.Transpose.ROTATE_270),
                    ("TRANSPOSE", Image.Transpose.TRANSPOSE), ("Transpose.TRANSVERSE", Image.Transpose.TRANSVERSE)]:
        case(src, [{"transpose": name}], lambda i: i.transpose(t))
    for ch in ([0, "G", 2] if im.mode == "RGB" else [0, "L"]):
        case(src, [{"getchannel": ch}], lambda i: i.getchannel(ch))
    case(src, [{"convert": "YCbCr"}, {"getchannel": "Cb"}], lambda i: i.convert("YCbCr").getchannel("Cb"))
    for name in ["BLUR", "CONTOUR", "DETAIL", "EDGE_ENHANCE", "EDGE_ENHANCE_MORE", "EMBOSS", "FIND_EDGES", "SHARPEN", "SMOOTH", "SMOOTH_MORE"]:
        case(src, [{"filter": "ImageFilter." + name}], lambda i: i.filter(getattr(ImageFilter, name)))
    for name, flt in [("ImageFilter.MedianFilter(3)", ImageFilter.MedianFilter(3)), ("MinFilter(size=5)", ImageFilter.MinFilter(5)),
                      ("MaxFilter", ImageFilter.MaxFilter()), ("ImageFilter.MedianFilter(size=7)", ImageFilter.MedianFilter(7)),
                      ("GaussianBlur", ImageFilter.GaussianBlur()), ("ImageFilter.GaussianBlur(radius=0.7)", ImageFilter.GaussianBlur(0.7)),
                      ("GaussianBlur(5)", ImageFilter.GaussianBlur(5)), ("BoxBlur(1)", ImageFilter.BoxBlur(1)), ("BoxBlur(2.6)", ImageFilter.BoxBlur(2.6)),
                      ("BoxBlur(30)", ImageFilter.BoxBlur(30)), ("UnsharpMask", ImageFilter.UnsharpMask()),
                      ("UnsharpMask(radius=1, percent=300, threshold=0)", ImageFilter.UnsharpMask(1, 300, 0)),
                      ("RankFilter(3, 2)", ImageFilter.RankFilter(3, 2)), ("ImageFilter.RankFilter(size=5, rank=20)", ImageFilter.RankFilter(5, 20)),
                      ("ModeFilter", ImageFilter.ModeFilter()), ("ImageFilter.ModeFilter(size=5)", ImageFilter.ModeFilter(5)),
                      ("ModeFilter(4)", ImageFilter.ModeFilter(4))]:
        case(src, [{"filter": name}], lambda i: i.filter(flt))
    case(src, [{"convert": "L"}, {"resize": [[10, 10], "Image.LANCZOS"]}, {"rotate": 10}, {"filter": "SHARPEN"}, {"convert": "RGB"}],
         lambda i: i.convert("L").resize((10, 10), R.LANCZOS).rotate(10).filter(ImageFilter.SHARPEN).convert("RGB"))

# Every mode convert reaches, and from each to every other (Pillow 9.4's
# Image.convert, its retry through the base mode included), with the WEB
# palette for P; P with dither NONE and the palette named. I and F images
# are their 32-bit values. RGBA to P (Pillow quantises it) is left out: it
# is refused.
MODES = ["1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "HSV", "I", "F"]
for src in imgs:
    for a in MODES:
        if a not in ("L", "RGB"):
            case(src, [{"convert": a}], lambda i: i.convert(a), tensor=True)
        for b in MODES:
            if a != b and not (a == "RGBA" and b == "P"):
                case(src, [{"convert": a}, {"convert": b}], lambda i: i.convert(a).convert(b))
    case(src, [{"convert": {"mode": "P", "dither": "Image.Dither.NONE"}}], lambda i: i.convert("P", dither=Image.Dither.NONE))
    case(src, [{"convert": {"mode": "P", "palette": "Image.Palette.WEB", "colors": 16}}, {"convert": "RGB"}],
         lambda i: i.convert("P", palette=Image.Palette.WEB, colors=16).convert("RGB"))

with open(os.path.join(HERE, "expected_ops.json"), "w") as f:
    json.dump({"versions": {"PIL": Image.__version__}, "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
