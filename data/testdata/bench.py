#!/usr/bin/python3
"""Times data.ReadCSV against pandas.read_csv and numpy.loadtxt, back to back.

Run from the repository root (one command; it runs the Go benchmark too):

    /usr/bin/python3 data/testdata/bench.py

All three parse testdata/synthetic/classification_10k.csv.gz (10,000 x 21,
3.6 MB of text) decompressed in memory beforehand, so only parsing is timed.
It prints each best time and the ratio other / Go (above 1: Go is faster).
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

out = subprocess.run(
    ["go", "test", "-run", "^$", "-bench", "ReadCSV$", "-benchtime", "20x", "-count", "5", "./data/"],
    cwd=ROOT, capture_output=True, text=True, check=True).stdout
go = min(float(m.group(1)) for m in re.finditer(r"BenchmarkReadCSV\S*\s+\d+\s+([\d.]+) ns/op", out)) / 1e9

text = gzip.open(os.path.join(ROOT, "testdata/synthetic/classification_10k.csv.gz")).read()


def best(f, repeat=10):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


pd_t = best(lambda: pd.read_csv(io.BytesIO(text)))
np_t = best(lambda: np.loadtxt(io.BytesIO(text), delimiter=",", skiprows=1), 5)
print(f"data.ReadCSV      {go*1e3:8.2f} ms")
print(f"pandas.read_csv   {pd_t*1e3:8.2f} ms   ratio {pd_t/go:5.2f}")
print(f"numpy.loadtxt     {np_t*1e3:8.2f} ms   ratio {np_t/go:5.2f}")
