#!/usr/bin/python3
"""Times data.ReadCSV against pandas.read_csv and numpy.loadtxt, back to back.

Run from the repository root (one command; it runs the Go benchmark too):

    /usr/bin/python3 data/testdata/bench.py

All three parse testdata/synthetic/classification_10k.csv.gz (10,000 x 21,
3.6 MB of text) decompressed in memory beforehand, so only parsing is timed.
The script alternates Go and Python for three rounds and keeps each side's
best wall and CPU time (CPU time is less disturbed by other work on a shared
machine); the ratios are other / Go: above 1, Go is faster.
"""
import gzip
import io
import os
import re
import subprocess
import time

import numpy as np
import pandas as pd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
text = gzip.open(os.path.join(ROOT, "testdata/synthetic/classification_10k.csv.gz")).read()


def best(f, repeat):
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


res = {}
for _ in range(3):
    out = subprocess.run(
        ["go", "test", "-run", "^$", "-bench", "ReadCSV$", "-benchtime", "10x", "-count", "3", "-cpu", "1", "./data/"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for m in re.finditer(r"BenchmarkReadCSV\s+\d+\s+([\d.]+) ns/op.*?([\d.]+) cpu-ns/op", out):
        w, c = float(m.group(1)) / 1e9, float(m.group(2)) / 1e9
        g = res.get("data.ReadCSV", (float("inf"), float("inf")))
        res["data.ReadCSV"] = (min(g[0], w), min(g[1], c))
    for name, f, n in [("pandas.read_csv", lambda: pd.read_csv(io.BytesIO(text)), 5),
                       ("numpy.loadtxt", lambda: np.loadtxt(io.BytesIO(text), delimiter=",", skiprows=1), 3)]:
        w, c = best(f, n)
        g = res.get(name, (float("inf"), float("inf")))
        res[name] = (min(g[0], w), min(g[1], c))

gw, gc = res["data.ReadCSV"]
print(f"{'':18s} {'wall ms':>8s} {'CPU ms':>8s} {'ratio (CPU)':>12s}")
for name, (w, c) in res.items():
    print(f"{name:18s} {w*1e3:8.2f} {c*1e3:8.2f} {c/gc:12.2f}")
