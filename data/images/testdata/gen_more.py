"""Reference values for the transforms added after the first set (colour,
padding, blur, dtype conversions, affine, resized crop, auto-augment ops,
FiveCrop and TenCrop).

Run from the repository root with Debian's Python (PIL 9.4, numpy,
torch 1.13, torchvision 0.14):

    /usr/bin/python3 data/images/testdata/gen_more.py

It reads rgb.png, square.png and gray.png (written by gen.py), writes
noise.png (random RGB, every value from 0 to 255 likely) and mnist0-2.png (the
first three test digits of /work/shared/data/mnist), and writes the results
of torchvision.transforms.functional on them to expected_more.json. Each case
is {"op", "src", "args", "image" or "tensor"}; random transforms are checked
through their deterministic functions here and by their draws in Go.
"""
import gzip
import json
import os

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
rs = np.random.RandomState(1)

Image.fromarray(rs.randint(0, 256, size=(9, 13, 3)).astype(np.uint8), "RGB").save(os.path.join(HERE, "noise.png"))
with gzip.open("/work/shared/data/mnist/t10k-images-idx3-ubyte.gz") as f:
    digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
for i in range(3):
    Image.fromarray(digits[i], "L").save(os.path.join(HERE, f"mnist{i}.png"))

imgs = {}
for name in ["rgb.png", "square.png", "noise.png"]:
    imgs[name] = Image.open(os.path.join(HERE, name)).convert("RGB")
for name in ["gray.png", "mnist0.png", "mnist1.png", "mnist2.png"]:
    imgs[name] = Image.open(os.path.join(HERE, name)).convert("L")
ALL = list(imgs)

cases = []


def arr(img):
    a = np.asarray(img)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def ten(t):
    # 6 decimals: 20 times below the tests' tolerance of 1e-5.
    return {"shape": list(t.shape), "data": [round(float(v), 6) for v in t.reshape(-1).tolist()]}


def case(op, src, args, out):
    c = {"op": op, "src": src, "args": args}
    if isinstance(out, Image.Image):
        c["image"] = arr(out)
    else:
        c["tensor"] = ten(out)
    cases.append(c)


for src in ALL:
    im = imgs[src]
    t = F.to_tensor(im)
    case("invert", src, {}, F.invert(im))
    case("invert", src, {"tensor": True}, F.invert(t))
    case("autocontrast", src, {}, F.autocontrast(im))
    case("autocontrast", src, {"tensor": True}, F.autocontrast(t))
    case("equalize", src, {}, F.equalize(im))
    for bits in [0, 1, 3, 7, 8]:
        case("posterize", src, {"bits": bits}, F.posterize(im, bits))
    for th in [0, 50.5, 128, 255, 256]:
        case("solarize", src, {"threshold": th}, F.solarize(im, th))
    case("solarize", src, {"threshold": 0.4, "tensor": True}, F.solarize(t, 0.4))
    for f in [0, 0.3, 1, 1.7]:
        case("brightness", src, {"factor": f}, F.adjust_brightness(im, f))
        case("brightness", src, {"factor": f, "tensor": True}, F.adjust_brightness(t, f))
    for f in [0, 0.5, 1.3, 2.2]:
        case("contrast", src, {"factor": f}, F.adjust_contrast(im, f))
        case("contrast", src, {"factor": f, "tensor": True}, F.adjust_contrast(t, f))
    for f in [0, 0.4, 1.6]:
        case("saturation", src, {"factor": f}, F.adjust_saturation(im, f))
        case("saturation", src, {"factor": f, "tensor": True}, F.adjust_saturation(t, f))
    for f in [0, 0.5, 2, 3.3]:
        case("sharpness", src, {"factor": f}, F.adjust_sharpness(im, f))
        case("sharpness", src, {"factor": f, "tensor": True}, F.adjust_sharpness(t, f))
    for f in [-0.5, -0.3, -0.01, 0.1, 0.27, 0.5]:
        case("hue", src, {"factor": f}, F.adjust_hue(im, f))
        case("hue", src, {"factor": f, "tensor": True}, F.adjust_hue(t, f))
    for k, s in [([3, 3], [0.5, 0.5]), ([5, 3], [1.3, 2.0]), ([1, 7], [0.8, 3.1]), ([9, 9], [2.0, 2.0])]:
        if k[0] // 2 < im.size[0] and k[1] // 2 < im.size[1]:
            case("gaussian_blur", src, {"kernel_size": k, "sigma": s}, F.gaussian_blur(im, k, s))
            case("gaussian_blur", src, {"kernel_size": k, "sigma": s, "tensor": True}, F.gaussian_blur(t, k, s))
    case("grayscale_random", src, {}, T.RandomGrayscale(p=1)(im))
    # ToPILImage of a float tensor: mul(255) then byte (truncation).
    case("to_pil_image", src, {}, F.to_pil_image(t))
    case("convert_image_dtype", src, {}, F.to_pil_image(F.convert_image_dtype(t, torch.uint8)))
    case("pil_to_tensor", src, {}, F.pil_to_tensor(im).float())
    for padding in [2, [1, 3], [3, 1, 2, 4], [0, 0, 5, 0]]:
        for mode in ["constant", "edge", "reflect", "symmetric"]:
            for fill in [0, 9]:
                if mode != "constant" and fill:
                    continue
                case("pad", src, {"padding": padding, "padding_mode": mode, "fill": fill}, T.Pad(padding, fill=fill, padding_mode=mode)(im))
    for top, left, h, w, size in [(2, 3, 10, 7, [8, 8]), (0, 0, im.size[1], im.size[0], [5, 9]), (4, 1, 5, 5, [12, 10])]:
        for interp in ["nearest", "bilinear", "bicubic"]:
            case("resized_crop", src, {"top": top, "left": left, "height": h, "width": w, "size": size, "interpolation": interp},
                 F.resized_crop(im, top, left, h, w, size, T.InterpolationMode(interp)))
    for angle, tr, sc, sh in [(0, [0, 0], 1, [0, 0]), (30, [2, -1], 1.0, [0, 0]), (-12.5, [0, 0], 0.8, [10, 0]), (45, [1, 3], 1.3, [-5, 7.5]),
                              (0, [3, 2], 1.0, [0, 0]), (0, [0, 0], 0.7, [0, 0]), (90, [0, 0], 1, [0, 0]), (0, [0, 0], 1, [0, 20])]:
        for interp in ["nearest", "bilinear", "bicubic"]:
            for fill in [0, 200]:
                if fill and interp != "bilinear":
                    continue
                case("affine", src, {"angle": angle, "translate": tr, "scale": sc, "shear": sh, "interpolation": interp, "fill": fill},
                     F.affine(im, angle, tr, sc, sh, interpolation=T.InterpolationMode(interp), fill=fill))
    w, h = im.size
    for start, end in [([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], [[1, 2], [w - 3, 0], [w - 1, h - 2], [2, h - 1]]),
                       ([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], [[3, 3], [w - 2, 1], [w - 4, h - 3], [0, h - 2]])]:
        for interp in ["nearest", "bilinear", "bicubic"]:
            case("perspective", src, {"startpoints": start, "endpoints": end, "interpolation": interp, "fill": 0},
                 F.perspective(im, start, end, interpolation=T.InterpolationMode(interp)))

# The operations of the automatic augmentations (torchvision's _apply_op).
from torchvision.transforms.autoaugment import _apply_op

for src in ["rgb.png", "noise.png", "gray.png", "mnist1.png", "mnist2.png"]:
    im = imgs[src]
    for op, mags in [("ShearX", [0.3, -0.17]), ("ShearY", [0.2, -0.3]), ("TranslateX", [5.7, -3.0]), ("TranslateY", [4.2, -2.9]),
                     ("Rotate", [30.0, -13.5])]:
        for mag in mags:
            for interp in ["nearest", "bilinear"]:
                for fill in [None, 128]:
                    case("apply_op", src, {"name": op, "magnitude": mag, "interpolation": interp, "fill": fill},
                         _apply_op(im, op, mag, T.InterpolationMode(interp), None if fill is None else [fill] * len(im.getbands())))
    for op, mags in [("Brightness", [0.5, -0.9]), ("Color", [0.9, -0.6]), ("Contrast", [0.3, -0.8]), ("Sharpness", [0.99, -0.5]),
                     ("Posterize", [4.0, 6.0]), ("Solarize", [127.5, 200.0]), ("AutoContrast", [0.0]), ("Equalize", [0.0]),
                     ("Invert", [0.0]), ("Identity", [0.0])]:
        for mag in mags:
            case("apply_op", src, {"name": op, "magnitude": mag, "interpolation": "nearest", "fill": None},
                 _apply_op(im, op, mag, T.InterpolationMode.NEAREST, None))


def space(d):
    return [[k, [float(x) for x in v[0].reshape(-1).tolist()], v[1]] for k, v in d.items()]


tables = {
    "autoaugment": space(T.AutoAugment()._augmentation_space(10, (17, 23))),
    "randaugment31": space(T.RandAugment()._augmentation_space(31, (17, 23))),
    "randaugment10": space(T.RandAugment()._augmentation_space(10, (28, 28))),
    "trivial31": space(T.TrivialAugmentWide()._augmentation_space(31)),
    "trivial7": space(T.TrivialAugmentWide()._augmentation_space(7)),
    "augmix": space(T.AugMix()._augmentation_space(10, (17, 23))),
    "augmix_few": space(T.AugMix(all_ops=False)._augmentation_space(10, (28, 28))),
}

# Affine of float tensors (torchvision's grid_sample path), as RandomAffine
# calls it (fill always given).
for src in ["rgb.png", "gray.png", "mnist2.png"]:
    t = F.to_tensor(imgs[src])
    for angle, tr, sc, sh, center in [(30, [2, -1], 1.0, [0, 0], None), (-12.5, [0, 0], 0.8, [10, 0], None), (45, [1, 3], 1.3, [-5, 7.5], [3, 4]),
                                      (0, [3, 2], 1.0, [0, 0], None), (90, [0, 0], 1, [0, 0], None)]:
        for interp in ["nearest", "bilinear"]:
            for fill in [0.0, 0.7]:
                case("affine_tensor", src, {"angle": angle, "translate": tr, "scale": sc, "shear": sh, "interpolation": interp, "fill": fill, "center": center, "tensor": True},
                     F.affine(t, angle, tr, sc, sh, interpolation=T.InterpolationMode(interp), fill=[fill] * t.shape[0], center=center))

# Perspective of float tensors (grid_sample).
for src in ["rgb.png", "gray.png"]:
    t = F.to_tensor(imgs[src])
    w, h = imgs[src].size
    for end in [[[1, 2], [w - 3, 0], [w - 1, h - 2], [2, h - 1]], [[3, 3], [w - 2, 1], [w - 4, h - 3], [0, h - 2]]]:
        start = [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]
        for interp in ["nearest", "bilinear"]:
            case("perspective", src, {"startpoints": start, "endpoints": end, "interpolation": interp, "fill": 0.3, "tensor": True},
                 F.perspective(t, start, end, interpolation=T.InterpolationMode(interp), fill=[0.3] * t.shape[0]))

# Rotation of float tensors (grid_sample), as RandomRotation calls it.
for src in ["rgb.png", "mnist2.png"]:
    t = F.to_tensor(imgs[src])
    for angle in [30, -45.5, 12.3, 90, 200]:
        for interp in ["nearest", "bilinear"]:
            for expand, center, fill in [(False, None, 0.0), (True, None, 0.2), (False, [3, 5.5], 1.0)]:
                case("rotate_tensor", src, {"angle": angle, "interpolation": interp, "expand": expand, "center": center, "fill": fill, "tensor": True},
                     F.rotate(t, angle, T.InterpolationMode(interp), expand=expand, center=center, fill=[fill] * t.shape[0]))

# Rotation with PIL's bilinear and bicubic filters (RandomRotation's
# interpolation), with expand, center and fill.
for src in ["rgb.png", "square.png", "gray.png", "mnist1.png"]:
    im = imgs[src]
    for angle in [30, -45.5, 12.3, 90, 200]:
        for interp in ["nearest", "bilinear", "bicubic"]:
            for expand, center, fill in [(False, None, 0), (True, None, 17), (False, [3, 5.5], 250)]:
                case("rotate_interp", src, {"angle": angle, "interpolation": interp, "expand": expand, "center": center, "fill": fill},
                     F.rotate(im, angle, T.InterpolationMode(interp), expand=expand, center=center, fill=fill))

# LinearTransformation on a small tensor (D = 1*3*4 = 12).
g = F.to_tensor(imgs["gray.png"].crop((0, 0, 4, 3)))
mat = torch.tensor(rs.standard_normal((12, 12)), dtype=torch.float32)
mean = torch.tensor(rs.standard_normal(12), dtype=torch.float32)
lt = T.LinearTransformation(mat, mean)
case("linear_transformation", "gray.png", {"crop": [4, 3], "transformation_matrix": mat.tolist(), "mean_vector": mean.tolist()}, lt(g))

# FiveCrop and TenCrop on uint8 images: the crops in torchvision's order,
# stacked as numpy does (ncrops, h, w[, c]), written as one image of
# ncrops*h rows.
def crops_case(op, src, args, crops):
    a = np.stack([np.asarray(c) for c in crops])
    shape = [a.shape[0] * a.shape[1]] + list(a.shape[2:])
    cases.append({"op": op, "src": src, "args": args, "image": {"shape": shape, "data": a.reshape(-1).tolist()}})


for src in ALL:
    im = imgs[src]
    w, h = im.size
    for size in [1, 4, [5, 3], [h, w], [h - 1, w - 2], [min(h, w) - 3]]:
        crops_case("five_crop", src, {"size": size}, T.FiveCrop(size)(im))
        for vflip in [False, True]:
            crops_case("ten_crop", src, {"size": size, "vertical_flip": vflip}, T.TenCrop(size, vertical_flip=vflip)(im))

# Python's math (glibc) on angles the affine matrices use.
import math
trig = []
for x in list(rs.uniform(-7, 7, 300)) + [math.radians(a) for a in [-135, -90, -45, -16.69924423399362, 0.5, 30, 45, 90, 135, 180, 270]]:
    x = float(x)
    trig.append([x, math.sin(x), math.cos(x), math.tan(x), math.atan(x)])

out = {"versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "PIL": Image.__version__}, "cases": cases, "tables": tables, "trig": trig}
with open(os.path.join(HERE, "expected_more.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(len(cases), "cases")
