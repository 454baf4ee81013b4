#!/usr/bin/python3
"""Times scikit-learn's fit+predict on the data of ml/linear/bench_test.go.

Run from the repository root, back to back with the Go benchmarks:

    /usr/bin/python3 ml/linear/testdata/bench.py
    go test -run '^$' -bench 20k -benchtime 20x ./ml/linear/

make_data rebuilds benchData exactly (splitmix64, seed 42). Each estimator
is timed `repeat` times; the best and the mean are printed in milliseconds.
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
    print(f"{name:32s} best {min(times)*1e3:8.2f} ms   mean {np.mean(times)*1e3:8.2f} ms")


def main():
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    X, y_reg, y_cls = make_data()
    print(f"X[0,0]={X[0,0]:.17g} X[19999,19]={X[19999,19]:.17g} yReg[0]={y_reg[0]:.17g} "
          f"yReg[19999]={y_reg[19999]:.17g} yCls[:10]={y_cls[:10].astype(int).tolist()}")
    bench("LinearRegression20k", LinearRegression, X, y_reg, repeat)
    bench("Ridge20k", Ridge, X, y_reg, repeat)
    bench("LogisticRegression20k", LogisticRegression, X, y_cls, repeat)
    bench("LogisticRegressionBinary20k", LogisticRegression, X, (y_cls == 2).astype(float), repeat)
    bench("LogisticRegressionSagaL1_20k", lambda: LogisticRegression(solver="saga", penalty="l1", random_state=0), X, y_cls, repeat)


if __name__ == "__main__":
    main()
