"""Time scikit-learn's MLPClassifier and MLPRegressor on the data and settings
of the Go benchmarks in ml/neural/bench_test.go (fit then predict).

Run from the repository root, back to back with the Go benchmarks:

    go test ./ml/neural -run X -bench . -benchtime 3x
    /usr/bin/python3 ml/neural/testdata/bench.py [repeats]

Cases (same names as the Go benchmarks, seconds per fit+predict, the
minimum and the median over the repeats):

  Digits          MLPClassifier() on the 1797 digits, max_iter 50, tol 0
  Synthetic       MLPClassifier() on 20,000 x 20 synthetic data, 3 classes,
                  max_iter 20, tol 0
  RegSynthetic    MLPRegressor() on 20,000 x 20 synthetic data, max_iter 20,
                  tol 0
  RegLBFGS        MLPRegressor(solver="lbfgs") on the diabetes data,
                  max_iter 100 (sklearn's default tol)

n_iter_no_change is max_iter so that tol 0 never stops a run early: both
libraries do every epoch. The synthetic data come from the 64-bit LCG in
synthetic() below, which bench_test.go reproduces bit for bit.
"""
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore", ConvergenceWarning)


def synthetic(n, p, classes):
    """n x p features uniform in [-1, 1) from a 64-bit LCG (Knuth's MMIX
    constants, top 53 bits), a class from the sign pattern of two fixed
    projections (classes > 0) or a smooth target (classes == 0)."""
    mask = (1 << 64) - 1
    s = 42
    X = np.empty((n, p))
    for i in range(n):
        for j in range(p):
            s = (s * 6364136223846793005 + 1442695040888963407) & mask
            X[i, j] = 2 * ((s >> 11) / 9007199254740992.0) - 1
    w1 = np.array([((j % 5) - 2) / 2 for j in range(p)])
    w2 = np.array([((j % 3) - 1) for j in range(p)], dtype=float)
    a, b = X @ w1, X @ w2
    if classes == 0:
        return X, np.sin(a) + b * b / 4
    y = np.where(a > 0, 1, 0) + np.where(b > 0.5, 1, 0)
    return X, np.minimum(y, classes - 1).astype(float)


def load(name):
    d = np.loadtxt("data/datasets/%s.csv" % name, delimiter=",", skiprows=1)
    return d[:, :-1], d[:, -1]


def run(make, X, y, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        m = make().fit(X, y)
        m.predict(X)
        ts.append(time.perf_counter() - t)
    return ts


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    Xd, yd = load("digits")
    Xdb, ydb = load("diabetes")
    Xs, ys = synthetic(20000, 20, 3)
    Xr, yr = synthetic(20000, 20, 0)
    cases = [
        ("Digits", lambda: MLPClassifier(max_iter=50, tol=0, n_iter_no_change=50, random_state=0), Xd, yd),
        ("Synthetic", lambda: MLPClassifier(max_iter=20, tol=0, n_iter_no_change=20, random_state=0), Xs, ys),
        ("RegSynthetic", lambda: MLPRegressor(max_iter=20, tol=0, n_iter_no_change=20, random_state=0), Xr, yr),
        ("RegLBFGS", lambda: MLPRegressor(solver="lbfgs", max_iter=100, random_state=0), Xdb, ydb),
    ]
    for name, make, X, y in cases:
        ts = run(make, X, y, repeats)
        print("sklearn %-14s min %.4f s  median %.4f s  (%d runs)" % (name, min(ts), sorted(ts)[len(ts) // 2], len(ts)))


if __name__ == "__main__":
    main()
