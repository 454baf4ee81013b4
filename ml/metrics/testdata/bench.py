"""Time scikit-learn's metrics on the sizes of ml/metrics' Go benchmarks.

Run from the repository root, back to back with the Go benchmarks:

    /usr/bin/python3 ml/metrics/testdata/bench.py
    go test -run '^$' -bench . ./ml/metrics

It prints one line per metric: the name of the matching Go benchmark and the
best of 5 runs in ms. The data are drawn like bench_test.go's (same shapes and
distributions, not the same numbers).
"""
import time

import numpy as np
from sklearn import metrics as M

N = 1_000_000


def best(f, reps=5):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t) * 1e3


def main():
    rng = np.random.default_rng(1)
    yt = rng.integers(0, 3, N).astype(np.float64)
    yp = yt.copy()
    m = rng.random(N) < 0.3
    yp[m] = rng.integers(0, 3, m.sum())
    yb = rng.integers(0, 2, N).astype(np.float64)
    sb = 0.3 * yb + 0.7 * rng.random(N)
    P = rng.random((N, 3))
    P[:, 0] += yt % 3
    P /= P.sum(axis=1, keepdims=True)
    rt = rng.standard_normal(N)
    rp = rt + 0.1 * rng.standard_normal(N)
    for name, f in [
        ("Accuracy", lambda: M.accuracy_score(yt, yp)),
        ("F1Macro", lambda: M.f1_score(yt, yp, average="macro")),
        ("ConfusionMatrix", lambda: M.confusion_matrix(yt, yp)),
        ("LogLoss", lambda: M.log_loss(yt, P, labels=[0, 1, 2])),
        ("RocAucBinary", lambda: M.roc_auc_score(yb, sb)),
        ("RocAucOvr", lambda: M.roc_auc_score(yt, P, multi_class="ovr", labels=[0, 1, 2])),
        ("MeanSquaredError", lambda: M.mean_squared_error(rt, rp)),
        ("R2", lambda: M.r2_score(rt, rp)),
    ]:
        print(f"{name:18s} {best(f):9.2f} ms")


if __name__ == "__main__":
    main()
