"""Reference values for the Pillow image operations on every mode convert
reaches (images.ParseImageOps after a convert): crop, resize (every
filter, box, reducing_gap), reduce, rotate (expand, center, translate,
fillcolor; BILINEAR and BICUBIC on every mode, I and F included),
transpose, getchannel and filter on modes 1, L, P, RGB, RGBA,
CMYK, YCbCr, HSV, I and F, with Pillow's error where Pillow refuses.

Run from the repository root with Debian's Python (PIL 9.4, numpy):

    /usr/bin/python3 data/images/testdata/gen_ops_modes.py

Each case of expected_ops_modes.json is the JSON list given to
ParseImageOps (a convert to the mode first), the source (noise.png), and
either
Pillow's result (mode, shape, values: palette indices for P, 32-bit values
for I and F, 0/255 for 1) or Pillow's error message.
"""
import json
import os

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
imgs = {n: Image.open(os.path.join(HERE, n)).convert("RGB") for n in ["noise.png"]}
R = Image.Resampling
T = Image.Transpose
FILL = {"1": 255, "L": 99, "P": 7, "RGB": [5, 6, 7], "RGBA": [10, 20, 30, 128], "CMYK": [1, 2, 3, 4],
        "YCbCr": [5, 6, 7], "HSV": [5, 6, 7], "I": 1234, "F": 2.5}
FILTERS = {"BLUR": ImageFilter.BLUR, "SHARPEN": ImageFilter.SHARPEN, "EMBOSS": ImageFilter.EMBOSS,
           "MedianFilter(3)": ImageFilter.MedianFilter(3), "MinFilter(3)": ImageFilter.MinFilter(3),
           "MaxFilter(5)": ImageFilter.MaxFilter(5), "GaussianBlur(1.5)": ImageFilter.GaussianBlur(1.5),
           "BoxBlur(1)": ImageFilter.BoxBlur(1), "UnsharpMask(2, 150, 3)": ImageFilter.UnsharpMask(2, 150, 3),
           "RankFilter(3, 6)": ImageFilter.RankFilter(3, 6), "ModeFilter(3)": ImageFilter.ModeFilter(3)}

cases = []


def case(src, mode, ops, fn):
    im = imgs[src].convert(mode)
    c = {"src": src, "ops": [{"convert": mode}] + ops}
    try:
        out = fn(im)
    except Exception as e:  # Pillow refuses: the message is the reference
        c["error"] = str(e)
        cases.append(c)
        return
    a = np.asarray(out.convert("L") if out.mode == "1" else out)
    c.update({"mode": out.mode, "shape": list(a.shape), "data": a.reshape(-1).tolist()})
    cases.append(c)


for src, base in imgs.items():
    w, h = base.size
    for mode in ["1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "HSV", "I", "F"]:
        fill = FILL[mode]
        ftup = tuple(fill) if isinstance(fill, list) else fill
        for box in [(2, 3, 12, 9), (-3, -2, 7, 5)]:
            case(src, mode, [{"crop": list(box)}], lambda i: i.crop(box))
        for name, r in [("NEAREST", R.NEAREST), ("BILINEAR", R.BILINEAR), ("BICUBIC", R.BICUBIC),
                        ("LANCZOS", R.LANCZOS), ("BOX", R.BOX), ("HAMMING", R.HAMMING)]:
            for size in [(8, 6), (w * 2 + 1, h + 3)]:
                case(src, mode, [{"resize": {"size": list(size), "resample": name}}], lambda i: i.resize(size, r))
        box = (1.5, 2.25, w - 3.5, h - 1)
        case(src, mode, [{"resize": [[9, 7], "BICUBIC", list(box)]}], lambda i: i.resize((9, 7), R.BICUBIC, box))
        case(src, mode, [{"resize": {"size": [5, 4], "resample": "BILINEAR", "reducing_gap": 1.5}}],
             lambda i: i.resize((5, 4), R.BILINEAR, reducing_gap=1.5))
        case(src, mode, [{"reduce": 2}], lambda i: i.reduce(2))
        case(src, mode, [{"reduce": {"factor": [2, 3], "box": [1, 1, w - 2, h - 1]}}], lambda i: i.reduce((2, 3), (1, 1, w - 2, h - 1)))
        case(src, mode, [{"rotate": 30}], lambda i: i.rotate(30))
        case(src, mode, [{"rotate": {"angle": 30, "resample": "BICUBIC", "expand": True}}], lambda i: i.rotate(30, R.BICUBIC, expand=True))
        case(src, mode, [{"rotate": {"angle": 45, "resample": "BILINEAR", "fillcolor": fill}}], lambda i: i.rotate(45, R.BILINEAR, fillcolor=ftup))
        case(src, mode, [{"rotate": {"angle": -20, "center": [3, 4], "translate": [1, 2], "fillcolor": fill}}],
             lambda i: i.rotate(-20, center=(3, 4), translate=(1, 2), fillcolor=ftup))
        case(src, mode, [{"rotate": {"angle": 90, "expand": True}}], lambda i: i.rotate(90, expand=True))
        # BILINEAR and BICUBIC rotations beyond the two above (libImaging's
        # transform filters; for I and F its 32-bit ones), and after a
        # BICUBIC resize, which gives F values that are not integers and I
        # values below 0 (the filter overshoots).
        for name, r in [("BILINEAR", R.BILINEAR), ("BICUBIC", R.BICUBIC)]:
            case(src, mode, [{"rotate": {"angle": 30, "resample": name}}], lambda i: i.rotate(30, r))
            case(src, mode, [{"rotate": {"angle": 200, "resample": name, "expand": True, "fillcolor": fill}}],
                 lambda i: i.rotate(200, r, expand=True, fillcolor=ftup))
            case(src, mode, [{"rotate": {"angle": -20, "resample": name, "center": [3, 4], "translate": [1.5, -2]}}],
                 lambda i: i.rotate(-20, r, center=(3, 4), translate=(1.5, -2)))
            case(src, mode, [{"rotate": {"angle": 90, "resample": name}}], lambda i: i.rotate(90, r))
            case(src, mode, [{"resize": {"size": [17, 11], "resample": "BICUBIC"}}, {"rotate": {"angle": 33, "resample": name, "expand": True}}],
                 lambda i: i.resize((17, 11), R.BICUBIC).rotate(33, r, expand=True))
            if mode in ("I", "F"):  # negative values next to positive ones: I truncates toward 0
                case(src, mode, [{"rotate": {"angle": 15, "expand": True, "fillcolor": -500}},
                                 {"rotate": {"angle": 33, "resample": name, "fillcolor": -7}}],
                     lambda i: i.rotate(15, expand=True, fillcolor=-500).rotate(33, r, fillcolor=-7))
        for name in ["FLIP_LEFT_RIGHT", "FLIP_TOP_BOTTOM", "ROTATE_90", "ROTATE_180", "ROTATE_270", "TRANSPOSE", "TRANSVERSE"]:
            case(src, mode, [{"transpose": "Transpose." + name}], lambda i: i.transpose(T[name]))
        case(src, mode, [{"getchannel": 0}], lambda i: i.getchannel(0))
        for name, f in FILTERS.items():
            case(src, mode, [{"filter": name}], lambda i: i.filter(f))

with open(os.path.join(HERE, "expected_ops_modes.json"), "w") as f:
    json.dump({"pillow": Image.__version__, "cases": cases}, f)
print(len(cases), "cases,", sum("error" in c for c in cases), "refused")
