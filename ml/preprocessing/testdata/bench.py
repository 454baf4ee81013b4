#!/usr/bin/python3
"""Times the preprocessing classes against scikit-learn 1.2, back to back.

Run from the repository root (one command; it runs the Go benchmarks too):

    /usr/bin/python3 ml/preprocessing/testdata/bench.py

Both sides use testdata/synthetic/regression_10k.csv.gz (10,000 x 20), with
NaN where (7i + 13j) % 11 == 0 for the *_nan and SimpleImputer rows, as
bench_test.go builds it. Go runs on one thread (-cpu 1), like NumPy. The
script alternates Go and Python for three rounds and keeps each side's best
CPU time (process CPU time, which other work on a shared machine disturbs
less than wall time), then prints the ratio sklearn / Go: above 1, Go is
faster.
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


def best_cpu(f, repeat):
    t = []
    for _ in range(repeat):
        t0 = time.process_time()
        f()
        t.append(time.process_time() - t0)
    return min(t)


go, sk = {}, {}
for _ in range(3):
    out = subprocess.run(
        ["go", "test", "-run", "^$", "-bench", "Preprocessing", "-benchtime", "50x", "-cpu", "1", "./ml/preprocessing/"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for m in re.finditer(r"BenchmarkPreprocessing/(\S+)\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) cpu-ns/op", out):
        go[m.group(1)] = min(go.get(m.group(1), float("inf")), float(m.group(2)) / 1e9)
    for name, (cls, kw, data) in cases.items():
        est = cls(**kw).fit(data)
        slow = "median" in name or "most_frequent" in name
        for op, f in [("fit", lambda: cls(**kw).fit(data)), ("transform", lambda: est.transform(data))]:
            key = f"{name}/{op}"
            sk[key] = min(sk.get(key, float("inf")), best_cpu(f, 5 if slow and op == "fit" else 30))

print(f"{'CPU time, 10,000 x 20':38s} {'Go ms':>9s} {'sklearn ms':>11s} {'ratio':>7s}")
for key in sk:
    print(f"{key:38s} {go[key]*1e3:9.3f} {sk[key]*1e3:11.3f} {sk[key]/go[key]:7.2f}")
