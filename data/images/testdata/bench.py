"""Compare ImageFolder + Resize(128) + CenterCrop(112) + ToTensor +
Normalize per image: torchvision (PIL) against BenchmarkImageFolder, on the
same 32 JPEGs (320x240, quality 90). One command, from the repository root:

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

root = tempfile.mkdtemp(prefix="mlforge-bench-")
rs = np.random.RandomState(0)
y, x = np.mgrid[0:240, 0:320]
for i in range(32):
    arr = np.dstack([(x + rs.randint(0, 30, x.shape)) % 256, (y + rs.randint(0, 30, y.shape)) % 256, (x ^ y) % 256]).astype(np.uint8)
    d = os.path.join(root, "ab"[i % 2])
    os.makedirs(d, exist_ok=True)
    Image.fromarray(arr).save(os.path.join(d, chr(ord("a") + i // 2) + ".jpg"), quality=90)

tr = T.Compose([T.Resize(128), T.CenterCrop(112), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
ds = ImageFolder(root, transform=tr)
for i in range(len(ds)):
    ds[i]
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < 3:
    ds[n % len(ds)]
    n += 1
py = (time.perf_counter() - t0) / n * 1e9
print(f"torchvision ImageFolder+transforms: {py:.0f} ns/image")
out = subprocess.run(["go", "test", "-run", "xxx", "-bench", "BenchmarkImageFolder$", "-benchtime", "3s", "./data/images/"],
                     env=dict(os.environ, MLFORGE_BENCH_FOLDER=root), capture_output=True, text=True).stdout
print(out)
for line in out.splitlines():
    if line.startswith("BenchmarkImageFolder"):
        go = float(line.split()[2])
        print(f"Go/torchvision time ratio: {go / py:.2f}")
