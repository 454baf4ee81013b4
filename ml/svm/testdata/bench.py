#!/usr/bin/python3
"""Times scikit-learn's fit+predict on the data of ml/svm/bench_test.go.

Run from the repository root, back to back with the Go benchmarks:

    /usr/bin/python3 ml/svm/testdata/bench.py [repeat] [--20k]
    go test -run '^$' -bench . -benchtime 3x ./ml/svm/

(--20k adds SVC and SVR on 20,000 rows, which take minutes.)

make_data rebuilds benchData exactly (splitmix64, seed 42, as
ml/linear/testdata/bench.py). Each estimator is timed `repeat` times; the
best and the mean are printed in milliseconds.
"""
import sys
import time

import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def splitmix(seed, count):
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def make_data(n=20000, p=20):
    u = splitmix(42, n * p + n)
    X = ((2 * u[: n * p] - 1) * np.sqrt(3)).reshape(n, p)
    e = 2 * u[n * p:] - 1
    j = np.arange(p)
    beta = (j % 5 + 1) / 5 * np.where(j % 2 == 1, -1.0, 1.0)
    y_reg = X @ beta + e / 2
    B = np.array([((7 * j + 3 * k) % 11 - 5) / 5 for k in range(3)])
    Z = X @ B.T + e[:, None]
    y_cls = Z.argmax(axis=1).astype(float)
    return X, y_reg, y_cls


def bench(name, make, X, y, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        m = make().fit(X, y)
        m.predict(X)
        times.append(time.perf_counter() - t0)
    print(f"{name:20s} best {min(times)*1e3:9.1f} ms   mean {np.mean(times)*1e3:9.1f} ms")


def main():
    from sklearn.svm import SVC, SVR, LinearSVC, NuSVC
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    repeat = int(args[0]) if args else 3
    X, y_reg, y_cls = make_data()
    print(f"X[0,0]={X[0,0]:.17g} X[19999,19]={X[19999,19]:.17g} yCls[:10]={y_cls[:10].astype(int).tolist()}")
    if "--20k" in sys.argv:
        bench("SVC20k", SVC, X, y_cls, repeat)
        bench("SVR20k", SVR, X, y_reg, repeat)
    X5, y5_reg, y5_cls = make_data(5000)
    bench("SVC5k", SVC, X5, y5_cls, repeat)
    bench("NuSVC5k", NuSVC, X5, y5_cls, repeat)
    bench("SVR5k", SVR, X5, y5_reg, repeat)
    bench("LinearSVC20k", lambda: LinearSVC(random_state=0), X, y_cls, repeat)


if __name__ == "__main__":
    main()
