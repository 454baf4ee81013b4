#!/usr/bin/python3
"""Times the preprocessing classes against scikit-learn 1.2, back to back.

Run from the repository root (one command; it runs the Go benchmarks too):

    /usr/bin/python3 ml/preprocessing/testdata/bench.py

Both sides use testdata/synthetic/regression_10k.csv.gz (10,000 x 20), with
NaN where (7i + 13j) % 11 == 0 for the *_nan and SimpleImputer rows, as
bench_test.go builds it. Each line prints the best time of each side and the
ratio sklearn / Go (above 1: Go is faster).
"""
import os
import re
import subprocess
import time

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import MinMaxScaler, StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")

go = subprocess.run(
    ["go", "test", "-run", "^$", "-bench", "Preprocessing", "-benchtime", "100x", "-count", "3", "./ml/preprocessing/"],
    cwd=ROOT, capture_output=True, text=True, check=True).stdout
go_ns = {}
for m in re.finditer(r"BenchmarkPreprocessing/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", go):
    go_ns[m.group(1)] = min(go_ns.get(m.group(1), float("inf")), float(m.group(2)))

X = pd.read_csv(os.path.join(ROOT, "testdata/synthetic/regression_10k.csv.gz")).drop(columns=["target"]).to_numpy()
Xnan = X.copy()
i, j = np.indices(X.shape)
Xnan[(7 * i + 13 * j) % 11 == 0] = np.nan

cases = {
    "StandardScaler": (StandardScaler, {}, X),
    "StandardScaler_nan": (StandardScaler, {}, Xnan),
    "MinMaxScaler": (MinMaxScaler, {}, X),
    "SimpleImputer_mean": (SimpleImputer, {}, Xnan),
    "SimpleImputer_median": (SimpleImputer, {"strategy": "median"}, Xnan),
    "SimpleImputer_most_frequent": (SimpleImputer, {"strategy": "most_frequent"}, Xnan),
}


def best(f, repeat=30):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


print(f"{'':38s} {'Go ms':>9s} {'sklearn ms':>11s} {'ratio':>7s}")
for name, (cls, kw, data) in cases.items():
    est = cls(**kw).fit(data)
    for op, f in [("fit", lambda: cls(**kw).fit(data)), ("transform", lambda: est.transform(data))]:
        key = f"{name}/{op}"
        sk = best(f, 5 if "median" in name or "most_frequent" in name else 30)
        g = go_ns[key] / 1e9
        print(f"{key:38s} {g*1e3:9.3f} {sk*1e3:11.3f} {sk/g:7.2f}")
