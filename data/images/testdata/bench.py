"""Compare ImageFolder + Resize(128) + CenterCrop(112) + ToTensor +
Normalize per image: torchvision (PIL) against BenchmarkImageFolder, on the
same 32 files (320x240 JPEG at quality 90, then the same as PNG), run back
to back. One command, from the repository root:

    /usr/bin/python3 data/images/testdata/bench.py
"""
import os
import subprocess
import tempfile
import time

import numpy as np
import torchvision.transforms as T
from PIL import Image
from torchvision.datasets import ImageFolder

rs = np.random.RandomState(0)
y, x = np.mgrid[0:240, 0:320]
arrs = [np.dstack([(x + rs.randint(0, 30, x.shape)) % 256, (y + rs.randint(0, 30, y.shape)) % 256, (x ^ y) % 256]).astype(np.uint8) for _ in range(32)]
tr = T.Compose([T.Resize(128), T.CenterCrop(112), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

for ext in ["jpg", "png"]:
    root = tempfile.mkdtemp(prefix="mlforge-bench-")
    for i, arr in enumerate(arrs):
        d = os.path.join(root, "ab"[i % 2])
        os.makedirs(d, exist_ok=True)
        Image.fromarray(arr).save(os.path.join(d, chr(ord("a") + i // 2) + "." + ext), quality=90)
    ds = ImageFolder(root, transform=tr)
    for i in range(len(ds)):
        ds[i]
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 3:
        ds[n % len(ds)]
        n += 1
    py = (time.perf_counter() - t0) / n * 1e9
    img = Image.open(ds.samples[0][0]).convert("RGB")
    m, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 2:
        tr(img)
        m += 1
    pyt = (time.perf_counter() - t0) / m * 1e9
    out = subprocess.run(["go", "test", "-run", "xxx", "-bench", "BenchmarkImageFolder$|BenchmarkTransforms$", "-benchtime", "2s", "./data/images/"],
                         env=dict(os.environ, MLFORGE_BENCH_FOLDER=root), capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("BenchmarkImageFolder"):
            go = float(line.split()[2])
            print(f"{ext} decode+transforms: torchvision {py:.0f} ns/image, Go {go:.0f} ns/image, Go/torchvision time ratio {go / py:.2f}")
        if line.startswith("BenchmarkTransforms") and ext == "jpg":
            go = float(line.split()[2])
            print(f"transforms only: torchvision {pyt:.0f} ns/image, Go {go:.0f} ns/image, Go/torchvision time ratio {go / pyt:.2f}")
